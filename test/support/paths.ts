import path from 'node:path';

export const TEST_DATA_DIR = path.resolve(__dirname, '..', '..', '.data', 'test');
export const WORKFLOW_BUNDLE_PATH = path.join(TEST_DATA_DIR, 'workflow-bundle.js');
