import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.cjs', '!eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The program's own code asks util/ip's ipFamily: net.isIP compiles V8's large IPv6 pattern
    // for the first host name it sees (3-4 ms of start-up). Tests compare against net.isIP.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'node:net', importNames: ['isIP', 'isIPv6'], message: 'use ipFamily from src/util/ip (net.isIP compiles the IPv6 pattern for any host name)' }] }],
      'no-restricted-properties': ['error', ...['isIP', 'isIPv6'].map((property) => ({ object: 'net', property, message: 'use ipFamily from src/util/ip' }))],
    },
  },
);
