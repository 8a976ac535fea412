import { Connection } from '@temporalio/client';

test('the global setup started a real Temporal dev server', async () => {
  const connection = await Connection.connect({ address: process.env.VEND_TEST_TEMPORAL_ADDRESS });
  const info = await connection.workflowService.getSystemInfo({});
  expect(info.serverVersion).toMatch(/^\d+\.\d+/);
  await connection.close();
});
