import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Adapters the pure core must not import (it is written against ports; the handler and CLI wire adapters). */
const ADAPTERS = [
  {
    group: ['**/aws/*', '**/runtime.js', '**/cli/*', '**/doctor/*', '**/verify/*', '**/imports/*', '**/ui/*'],
    message: 'lib/publisher is the pure core: depend on a port in lib/publisher/ports/, not an adapter.',
  },
  {
    group: ['**/connectwise/http-client.js'],
    message: 'lib/publisher talks to ConnectWise through the ConnectWisePort only.',
  },
  { group: ['@aws-sdk/*', 'got'], message: 'lib/publisher must not reach AWS or HTTP directly.' },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'cdk.out/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['lib/**/*.ts', 'functions/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/infra/*', 'aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
              message: 'Runtime code must not load the CDK app.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['lib/publisher/**/*.ts'],
    rules: {
      // The ConnectWise port is lib/publisher/ports/connectwise.ts; the gateway is its adapter.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...ADAPTERS,
            {
              group: ['**/connectwise/gateway.js'],
              message: 'Import the ConnectWisePort from lib/publisher/ports/connectwise.ts, not the gateway.',
            },
            {
              group: ['**/infra/*', 'aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
              message: 'Runtime code must not load the CDK app.',
            },
          ],
        },
      ],
    },
  },
);
