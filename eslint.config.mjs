import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.stack/**', 'artifacts/**', 'apps/web/dist/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      '@typescript-eslint/require-await': 'off',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          // the layering: contracts depend on nothing; the libraries with a concern of their own only on
          // contracts; services on libraries (never on each other); the web app on contracts alone
          depConstraints: [
            { sourceTag: 'scope:contracts', onlyDependOnLibsWithTags: ['scope:contracts'] },
            { sourceTag: 'scope:kafka', onlyDependOnLibsWithTags: ['scope:contracts'] },
            { sourceTag: 'scope:db', onlyDependOnLibsWithTags: ['scope:contracts'] },
            { sourceTag: 'scope:workflow', onlyDependOnLibsWithTags: ['scope:contracts'] },
            { sourceTag: 'scope:channels', onlyDependOnLibsWithTags: ['scope:contracts'] },
            // the engine's tests seal secrets with libs/channels; its code uses only contracts, workflow, db and kafka types
            { sourceTag: 'scope:engine', onlyDependOnLibsWithTags: ['scope:contracts', 'scope:workflow', 'scope:db', 'scope:kafka', 'scope:channels'] },
            { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['scope:contracts'] },
            { sourceTag: 'scope:infra', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib'] },
          ],
        },
      ],
    },
  },
  {
    // test helpers and provider stand-ins are for tests, benchmarks and the local stack, never for what ships
    files: ['services/**/*.ts', 'libs/{contracts,kafka,db,workflow,channels}/**/*.ts', 'apps/**/*.{ts,tsx}'],
    ignores: ['**/*.spec.ts', '**/*.spec.tsx'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: '@fixlify/testing', message: 'libs/testing is for tests, benchmarks and the local stack only' }] }],
    },
  },
  {
    files: ['**/*.spec.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  // formatting is Prettier's (npm run format; checked by npm run lint): no lint rule may disagree with it
  prettier,
);
