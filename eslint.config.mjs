import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.data/', 'dist/', 'coverage/', 'test-artifacts/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Plain CommonJS config and reporter files run by Node directly.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests read JSON bodies of unknown shape and assert on them.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      // Workflow code must stay deterministic: no wall clock, no randomness outside the SDK's replacements.
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the workflow-safe uuid4() or no randomness.' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../activities/*', '!../activities/types'], message: 'Workflows import activity types only.' },
            {
              group: ['../contract/policy-defaults', '../contract/closure-policy-defaults'],
              message: 'Defaults are resolved where a request is accepted, never inside a workflow (a changed default must not change a running request).',
            },
          ],
        },
      ],
    },
  },
);
