import type { SanctumApp } from '@sanctum/kernel';
import Type from 'typebox';
import type { DeviceRecord } from '../store/device.store.js';
import type { AuthRouteDeps } from './route-deps.js';
import { DeviceName, EpochMs, NoContent, Uuid, bearer, errorResponses } from './schemas.js';

const closed = { additionalProperties: false } as const;

const Device = Type.Object(
  {
    deviceId: Type.String(),
    name: Type.String(),
    identityKey: Type.String(),
    createdAt: EpochMs,
    lastSeenAt: EpochMs,
    approvedBy: Type.Union([Type.String(), Type.Null()]),
    current: Type.Boolean(),
  },
  closed,
);
const DeviceList = Type.Object({ devices: Type.Array(Device) }, closed);
const DeviceParams = Type.Object({ deviceId: Uuid }, closed);
const RenameBody = Type.Object({ name: DeviceName }, closed);

function view(device: DeviceRecord, currentDeviceId: string) {
  return {
    deviceId: device.id,
    name: device.name,
    identityKey: device.identityKey,
    createdAt: device.createdAt,
    lastSeenAt: device.lastSeenAt,
    approvedBy: device.approvedBy,
    current: device.id === currentDeviceId,
  };
}

/** The signed-in account's devices. */
export function registerDeviceRoutes(app: SanctumApp, deps: AuthRouteDeps): void {
  app.get(
    '/v1/devices',
    {
      onRequest: deps.authenticated,
      schema: { tags: ['devices'], summary: 'Devices of the account', security: bearer, response: { 200: DeviceList, ...errorResponses(401) } },
    },
    async (request) => ({ devices: (await deps.devices.list(request.auth.accountId)).map((d) => view(d, request.auth.deviceId)) }),
  );

  app.patch(
    '/v1/devices/:deviceId',
    {
      onRequest: deps.authenticated,
      schema: {
        tags: ['devices'],
        summary: 'Rename a device',
        security: bearer,
        params: DeviceParams,
        body: RenameBody,
        response: { 200: Device, ...errorResponses(401, 404) },
      },
    },
    async (request) => view(await deps.devices.rename(request.auth.accountId, request.params.deviceId, request.body.name), request.auth.deviceId),
  );

  app.delete(
    '/v1/devices/:deviceId',
    {
      onRequest: deps.authenticated,
      schema: {
        tags: ['devices'],
        summary: 'Remove a device and end its sessions (not the last one)',
        security: bearer,
        params: DeviceParams,
        response: { 204: NoContent, ...errorResponses(401, 404, 409) },
      },
    },
    async (request, reply) => {
      await deps.devices.remove(request.auth.accountId, request.params.deviceId);
      return reply.status(204).send(null);
    },
  );
}
