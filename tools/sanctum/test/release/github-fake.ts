import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small, real HTTP server that answers the GitHub REST endpoints the
 * release commands call, backed by a bare git repository standing for the
 * GitHub repository: ref updates are real (and refused with GitHub's 422 when
 * not a fast-forward), tag objects are real annotated tags. Every request is
 * recorded (method, path, JSON body, authorization) so tests can assert exactly
 * what was sent. Response shapes and status codes follow GitHub's REST
 * documentation (docs.github.com/rest: git/tags, git/refs, releases, commits/
 * statuses, branches/branch-protection).
 */

export interface RecordedRequest {
  readonly method: string;
  /** As sent (URL-encoded). */
  readonly path: string;
  readonly body: unknown;
  readonly authorization: string | undefined;
}

export interface FakeGitHubOptions {
  /** `owner/name` the server answers for; any other repository is a 404. */
  readonly repository: string;
  /** The bare repository that holds the branches and tags. */
  readonly gitDir: string;
  /** Tokens allowed to administer the repository (branch protection); others get 403. */
  readonly adminTokens?: readonly string[];
}

export interface FakeGitHub {
  /** Octokit's `baseUrl` (or GITHUB_API_URL). */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Releases created, by tag. */
  readonly releases: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

type Reply = readonly [status: number, body: unknown];

const DOCS = 'https://docs.github.com/rest';

function gitOutput(cwd: string, args: readonly string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('git', args, { cwd, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout: stdout.trim(), stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

const failure = (status: number, message: string, extra: Record<string, unknown> = {}): Reply => [
  status,
  { message, documentation_url: DOCS, status: String(status), ...extra },
];

function field(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const requests: RecordedRequest[] = [];
  const releases = new Map<string, Record<string, unknown>>();
  let url = '';
  const git = (args: readonly string[], input?: string) => gitOutput(options.gitDir, args, input);
  const api = (path: string): string => `${url}/repos/${options.repository}${path}`;

  const routes: { method: string; pattern: RegExp; handle: (match: string[], body: Record<string, unknown>, token: string | undefined) => Promise<Reply> }[] = [
    {
      // POST /repos/{owner}/{repo}/git/tags: create a tag object (201).
      method: 'POST',
      pattern: /^\/git\/tags$/,
      handle: async (_match, body) => {
        const [tag, message, object, type] = ['tag', 'message', 'object', 'type'].map((name) => field(body, name));
        const tagger = body.tagger as { name?: string; email?: string; date?: string } | undefined;
        if (tag === undefined || message === undefined || object === undefined || type !== 'commit') return failure(422, 'Invalid request.');
        const date = tagger?.date === undefined ? new Date() : new Date(tagger.date);
        const who = `${tagger?.name ?? 'unknown'} <${tagger?.email ?? 'unknown@example.test'}>`;
        const made = await git(['mktag'], `object ${object}\ntype commit\ntag ${tag}\ntagger ${who} ${Math.floor(date.getTime() / 1000)} +0000\n\n${message}`);
        if (made.code !== 0) return failure(422, `Object does not exist: ${made.stderr.trim()}`);
        return [
          201,
          {
            node_id: `TAG_${made.stdout}`,
            tag,
            sha: made.stdout,
            url: api(`/git/tags/${made.stdout}`),
            message,
            tagger: { name: tagger?.name, email: tagger?.email, date: date.toISOString() },
            object: { type: 'commit', sha: object, url: api(`/git/commits/${object}`) },
            verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
          },
        ];
      },
    },
    {
      // PATCH /repos/{owner}/{repo}/git/refs/{ref}: update a reference; 422 when not a fast-forward without force.
      method: 'PATCH',
      pattern: /^\/git\/refs\/(heads\/.+)$/,
      handle: async ([, ref = ''], body) => {
        const sha = field(body, 'sha');
        if (sha === undefined) return failure(422, 'Invalid request.');
        const current = await git(['rev-parse', '--verify', '--quiet', `refs/${ref}`]);
        if (current.code !== 0) return failure(422, 'Reference does not exist');
        if (body.force !== true && (await git(['merge-base', '--is-ancestor', current.stdout, sha])).code !== 0) {
          return failure(422, 'Update is not a fast forward', { documentation_url: `${DOCS}/git/refs#update-a-reference` });
        }
        if ((await git(['update-ref', `refs/${ref}`, sha, current.stdout])).code !== 0) return failure(422, 'Reference update failed');
        return [200, { ref: `refs/${ref}`, node_id: `REF_${ref}`, url: api(`/git/refs/${ref}`), object: { type: 'commit', sha, url: api(`/git/commits/${sha}`) } }];
      },
    },
    {
      // POST /repos/{owner}/{repo}/git/refs: create a reference (201); 422 when it exists.
      method: 'POST',
      pattern: /^\/git\/refs$/,
      handle: async (_match, body) => {
        const [ref, sha] = [field(body, 'ref'), field(body, 'sha')];
        if (ref === undefined || sha === undefined || !/^refs\/[^/]+\/.+/.test(ref)) return failure(422, 'Invalid request.');
        if ((await git(['rev-parse', '--verify', '--quiet', ref])).code === 0) return failure(422, 'Reference already exists');
        if ((await git(['update-ref', ref, sha, ''])).code !== 0) return failure(422, 'Object does not exist');
        const type = (await git(['cat-file', '-t', sha])).stdout;
        return [201, { ref, node_id: `REF_${ref}`, url: api(`/git/${ref}`), object: { type, sha, url: api(`/git/${type}s/${sha}`) } }];
      },
    },
    {
      // POST /repos/{owner}/{repo}/releases: create a release (201); 422 already_exists for a tag with a release.
      method: 'POST',
      pattern: /^\/releases$/,
      handle: (_match, body) => {
        const tag = field(body, 'tag_name');
        if (tag === undefined) return Promise.resolve(failure(422, 'Validation Failed', { errors: [{ resource: 'Release', code: 'missing_field', field: 'tag_name' }] }));
        if (releases.has(tag)) {
          return Promise.resolve(failure(422, 'Validation Failed', { errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }] }));
        }
        const id = releases.size + 1;
        const release = {
          url: api(`/releases/${id}`),
          html_url: `https://github.com/${options.repository}/releases/tag/${tag}`,
          id,
          node_id: `RE_${id}`,
          tag_name: tag,
          target_commitish: field(body, 'target_commitish') ?? 'main',
          name: field(body, 'name') ?? null,
          body: field(body, 'body') ?? null,
          draft: body.draft === true,
          prerelease: body.prerelease === true,
          created_at: new Date().toISOString(),
          published_at: new Date().toISOString(),
          assets: [],
        };
        releases.set(tag, release);
        return Promise.resolve([201, release] as const);
      },
    },
    {
      // POST /repos/{owner}/{repo}/statuses/{sha}: create a commit status (201).
      method: 'POST',
      pattern: /^\/statuses\/([0-9a-f]{40})$/,
      handle: async ([, sha = ''], body) => {
        const state = field(body, 'state');
        if (state === undefined || !['error', 'failure', 'pending', 'success'].includes(state)) return failure(422, 'Validation Failed');
        if ((await git(['cat-file', '-e', `${sha}^{commit}`])).code !== 0) return failure(422, `No commit found for SHA: ${sha}`);
        const now = new Date().toISOString();
        return [
          201,
          { url: api(`/statuses/${sha}`), id: requests.length, node_id: `SC_${sha}`, state, description: body.description ?? null, target_url: body.target_url ?? null, context: body.context ?? 'default', created_at: now, updated_at: now },
        ];
      },
    },
    {
      // PUT /repos/{owner}/{repo}/branches/{branch}/protection: 403 without admin rights, 404 for a missing branch.
      method: 'PUT',
      pattern: /^\/branches\/([^/]+)\/protection$/,
      handle: async ([, branch = ''], body, token) => {
        if (token === undefined || !(options.adminTokens ?? []).includes(token)) return failure(403, 'Resource not accessible by integration');
        const encoded = encodeURIComponent(branch);
        if ((await git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])).code !== 0) return failure(404, 'Branch not found');
        for (const required of ['required_status_checks', 'enforce_admins', 'required_pull_request_reviews', 'restrictions']) {
          if (!(required in body)) return failure(422, 'Invalid request.', { errors: [`"${required}" wasn't supplied.`] });
        }
        const checks = body.required_status_checks as { strict: boolean; checks: { context: string }[] };
        const enabled = (name: string) => ({ enabled: body[name] === true });
        return [
          200,
          {
            url: api(`/branches/${encoded}/protection`),
            required_status_checks: {
              url: api(`/branches/${encoded}/protection/required_status_checks`),
              strict: checks.strict,
              contexts: checks.checks.map((c) => c.context),
              checks: checks.checks.map((c) => ({ context: c.context, app_id: null })),
            },
            enforce_admins: { url: api(`/branches/${encoded}/protection/enforce_admins`), enabled: body.enforce_admins === true },
            required_pull_request_reviews: { url: api(`/branches/${encoded}/protection/required_pull_request_reviews`), ...(body.required_pull_request_reviews as object) },
            required_linear_history: enabled('required_linear_history'),
            allow_force_pushes: enabled('allow_force_pushes'),
            allow_deletions: enabled('allow_deletions'),
          },
        ];
      },
    },
  ];

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body: unknown = text.length === 0 ? undefined : JSON.parse(text);
    const path = new URL(request.url ?? '/', 'http://fake').pathname;
    const authorization = request.headers.authorization;
    requests.push({ method: request.method ?? '', path, body, authorization });
    const reply = await route(request.method ?? '', path, body, authorization);
    response.writeHead(reply[0], { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(reply[1]));
  }

  async function route(method: string, path: string, body: unknown, authorization: string | undefined): Promise<Reply> {
    const token = /^(?:token|bearer) (.+)$/i.exec(authorization ?? '')?.[1];
    if (token === undefined) return failure(401, 'Requires authentication');
    const prefix = `/repos/${options.repository}`;
    // GitHub answers 404 (not 403) for a repository the token cannot see.
    if (!path.startsWith(`${prefix}/`)) return failure(404, 'Not Found');
    // Octokit encodes the slash of `heads/main` in {ref} (heads%2Fmain); GitHub decodes it.
    const rest = decodeURIComponent(path.slice(prefix.length));
    for (const candidate of routes) {
      const match = candidate.method === method ? candidate.pattern.exec(rest) : null;
      if (match !== null) return candidate.handle([...match], (body ?? {}) as Record<string, unknown>, token);
    }
    return failure(404, 'Not Found');
  }

  const server = createServer((request, response) => {
    answer(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    releases,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
