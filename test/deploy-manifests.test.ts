import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { AuthConfigSchema } from '../services/auth/src/config.js';
import { DirectoryConfigSchema } from '../services/directory/src/config.js';
import { MessagingConfigSchema } from '../services/messaging/src/config.js';

interface Container {
  name: string;
  ports: { containerPort: number }[];
  env: { name: string; value?: string }[];
  readinessProbe: { httpGet: { path: string } };
  livenessProbe: { httpGet: { path: string } };
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec: { template: { spec: { containers: Container[] } } };
}

const manifests = parseAllDocuments(readFileSync(join(import.meta.dirname, '..', 'deploy', 'kubernetes', 'sanctum.yaml'), 'utf8')).map(
  (document) => document.toJS() as Manifest,
);
const schemas = { auth: AuthConfigSchema, directory: DirectoryConfigSchema, messaging: MessagingConfigSchema };
const defaultPorts = { auth: 4001, directory: 4002, messaging: 4003 };

describe('deploy/kubernetes/sanctum.yaml', () => {
  const configMap = manifests.find((m) => m.kind === 'ConfigMap');

  it.each(Object.keys(schemas) as (keyof typeof schemas)[])('configures %s only with settings it knows, on its port, with its probes', (service) => {
    const deployment = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === service);
    const container = deployment?.spec.template.spec.containers[0];
    expect(container).toBeDefined();
    const known = Object.keys(schemas[service].properties);
    const names = [...container!.env.map((e) => e.name), ...Object.keys(configMap?.data ?? {})];
    // Shared ConfigMap keys may target other services; each must be known to at least one.
    const allKnown = new Set(Object.values(schemas).flatMap((s) => Object.keys(s.properties)));
    expect(names.filter((n) => !allKnown.has(n))).toEqual([]);
    expect(container!.env.map((e) => e.name).filter((n) => !known.includes(n))).toEqual([]);
    expect(container!.ports[0]?.containerPort).toBe(defaultPorts[service]);
    expect(container!.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container!.livenessProbe.httpGet.path).toBe('/healthz');
  });
});
