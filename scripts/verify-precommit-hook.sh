#!/usr/bin/env bash
# Shows that the pre-commit hook refuses a commit with a lint warning, a type
# error, a failing test, or coverage under the thresholds, and accepts a clean
# one. Works on a throwaway clone; the checkout you run it from is untouched.
#   bash scripts/verify-precommit-hook.sh
set -uo pipefail
src=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$src" "$work/repo"
cd "$work/repo"
cp -al "$src/node_modules" node_modules # hard links: fast, and the clone cannot change the original
git config user.email hook-check@sanctum.invalid
git config user.name "Hook check"
unset HUSKY CI
npx husky >/dev/null # what `npm ci` runs through the prepare script

failures=0
attempt() { # name expected(refused|accepted)
  local name=$1 expected=$2 outcome
  git add -A
  if git commit -qm "check: $name" >"$work/$name.log" 2>&1; then outcome=accepted; else outcome=refused; fi
  if [ "$outcome" = "$expected" ]; then
    echo "ok   $name: $outcome"
  else
    echo "FAIL $name: expected $expected, got $outcome (log: $work/$name.log)"; failures=$((failures + 1))
    tail -20 "$work/$name.log"
  fi
  git reset -q --hard HEAD
  git clean -qfd
}

target=packages/kernel/src/errors/app-error.ts

# A lint warning (an unused eslint-disable directive is reported as a warning).
printf '\n// eslint-disable-next-line no-console\nexport const harmless = 1;\n' >>"$target"
attempt lint-warning refused

# A type error.
printf "\nexport const notANumber: number = 'text';\n" >>"$target"
attempt type-error refused

# A failing test.
mkdir -p packages/kernel/test
printf "import { expect, it } from 'vitest';\nit('fails', () => {\n  expect(1 + 1).toBe(3);\n});\n" >packages/kernel/test/hook-check.test.ts
attempt failing-test refused

# Coverage under the thresholds: a large, valid, untested module.
{
  echo '/** Deliberately untested, to push coverage under the thresholds. */'
  echo 'export function untested(seed: number): number {'
  echo '  let value = seed;'
  for i in $(seq 1 4000); do echo "  value = (value * 31 + $i) % 1000003;"; done
  echo '  return value;'
  echo '}'
} >packages/kernel/src/errors/untested.ts
attempt low-coverage refused

# And a clean change is accepted.
printf '\n/** A documented constant. */\nexport const HOOK_CHECK = 1;\n' >>"$target"
attempt clean-change accepted

if [ "$failures" -gt 0 ]; then echo "pre-commit hook check: $failures case(s) wrong"; exit 1; fi
echo "pre-commit hook check: all cases as expected"
