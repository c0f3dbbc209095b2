import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const TABLES_MESSAGE = "adapters do not read rowguard's tables: use the domain's public API (userLinks, findContacts, admin)";

/**
 * What `packages/adapters` may import: only the host-facing API of `@rowguard/core`, like tRPC's adapters
 * (no deep paths, no '@rowguard/core/extension', no other rowguard package, no table names, and no relative
 * path matching `outside`, i.e. out of the package).
 */
function adapterImports(outside) {
  return {
    paths: [
      {
        name: '@rowguard/core',
        importNames: ['tableNames', 'TableNames', 'StoreContext', 'loadSnapshot', 'loadContactFacts', 'readVersion'],
        message: TABLES_MESSAGE,
      },
    ],
    patterns: [
      { group: ['@rowguard/*', '!@rowguard/core'], message: "adapters import only '@rowguard/core'" },
      { group: ['@rowguard/core/*'], message: "adapters import only '@rowguard/core' (no deep paths, no '@rowguard/core/extension')" },
      { regex: outside, message: "adapters import only '@rowguard/core' and their own package's files" },
    ],
  };
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['packages/cli/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts', '**/test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['packages/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', adapterImports('^\\.\\./\\.\\./')],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[property.name='tables']", message: TABLES_MESSAGE },
      ],
    },
  },
  {
    // Tests may also use the core's test support (database set-up), never its sources.
    files: ['packages/adapters/test/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', adapterImports('^\\.\\./\\.\\./(?!core/test/support/)')] },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
