import { AppError, DeviceListResponse } from '@sanctum/kernel';
import type { SanctumApp } from '@sanctum/kernel';
import { encodeBase64Url } from '../domain/binary.codec.js';
import type { DeviceStore } from '../store/device.store.js';
import { AccountParams, ErrorResponse, authErrors, bearer } from './common.schemas.js';

/** An account's active devices, as replicated from Auth (same shape as Auth's internal device list). */
export function installDeviceRoutes(app: SanctumApp, devices: DeviceStore): void {
  app.get(
    '/v1/accounts/:accountId/devices',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['devices'],
        summary: 'The active devices of an account',
        security: bearer,
        params: AccountParams,
        response: { 200: DeviceListResponse, 404: ErrorResponse, ...authErrors },
      },
    },
    async (request) => {
      const { accountId } = request.params;
      const list = await devices.activeDevices(accountId);
      if (list.length === 0) throw new AppError('DIR_ACCOUNT_NOT_FOUND', 'The account has no active device', 404);
      return {
        accountId,
        devices: list.map((d) => ({ deviceId: d.deviceId, identityKey: encodeBase64Url(d.identityKey), createdAt: d.createdAt })),
      };
    },
  );
}
