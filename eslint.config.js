import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const TABLES_MESSAGE = "adapters do not read rowguard's tables: use the domain's public API (userLinks, findContacts, admin)";

/**
 * What `packages/adapters` may import: only the host-facing API of `@rowguard/core`, like tRPC's adapters
 * (no deep paths, no '@rowguard/core/extension', no other rowguard package, no table names, and no relative
 * path matching `outside`, i.e. out of the package).
 */
function adapterImports(outside) {
  // Table names and snapshot loading are not in the public entry point at all, so importing only it keeps
  // adapters off rowguard's tables; the `.tables` rule below covers the engine's one public table-name property.
  return {
    patterns: [
      { group: ['@rowguard/*', '!@rowguard/core'], message: "adapters import only '@rowguard/core'" },
      { group: ['@rowguard/core/*'], message: "adapters import only '@rowguard/core' (no deep paths, no '@rowguard/core/extension')" },
      { regex: outside, message: "adapters import only '@rowguard/core' and their own package's files" },
    ],
  };
}


/** The core's folders in data-path order: a folder may import only from the folders before it (`model/` from none). */
const CORE_LAYERS = ['model', 'connect', 'store', 'decide', 'sql', 'admin', 'engine'];

/** Core files in `folder` may not import from the folders after it. */
function coreLayer(folder) {
  const later = CORE_LAYERS.slice(CORE_LAYERS.indexOf(folder) + 1).filter((f) => !(folder === 'admin' && f === 'sql'));
  return {
    files: [`packages/core/src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^\\.\\./(${[...later, 'index', 'extension'].join('|')})(/|\\.js$)`,
              message: `core/${folder} follows the data path: it may import only from ${CORE_LAYERS.slice(0, CORE_LAYERS.indexOf(folder)).join(', ') || 'nothing outside itself'} (docs/architecture.md)`,
            },
          ],
        },
      ],
    },
  };
}

/** What an extension package's sources may import of rowguard: public entry points and `@rowguard/core/extension`. */
const EXTENSION_IMPORTS = {
  patterns: [
    { group: ['@rowguard/core/*', '!@rowguard/core/extension'], message: "import '@rowguard/core' or '@rowguard/core/extension', never a deep path" },
    { group: ['@rowguard/*/src/*', '@rowguard/*/dist/*'], message: "import a package's entry point, never its files" },
    { regex: '^\\.\\./\\.\\./', message: "import other packages by name, never by a relative path" },
  ],
};

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
  ...CORE_LAYERS.map(coreLayer),
  {
    // Extension packages: the public entry points and the documented extension entry point only.
    files: ['packages/hooks/src/**/*.ts', 'packages/policy/src/**/*.ts', 'packages/cli/src/**/*.ts', 'bench/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', EXTENSION_IMPORTS] },
  },
  {
    // Examples are written as a host would: public entry points only.
    files: ['examples/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@rowguard/*/*'], message: 'examples use only the public entry points, as a host does' },
            { regex: '^\\.\\./\\.\\./', message: 'examples import rowguard packages by name' },
          ],
        },
      ],
    },
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
    // The admin page server: the public API of '@rowguard/core' and '@rowguard/policy' only, like a host.
    files: ['packages/server/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@rowguard/*', '!@rowguard/core', '!@rowguard/policy'], message: "the server imports only '@rowguard/core' and '@rowguard/policy'" },
            { group: ['@rowguard/core/*', '@rowguard/policy/*'], message: "the server uses public entry points only (no deep paths, no '@rowguard/core/extension')" },
            { regex: '^\\.\\./', message: "the server imports other packages by name, never by a relative path" },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[property.name='tables']", message: "the server does not read rowguard's tables: use the domain's public API" },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
