// Every string the app looks up exists in both languages, with the same plural shape, and
// every placeholder of the English text is used by the Russian one. Runs without a browser.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import en from '../i18n/en.js';
import ru from '../i18n/ru.js';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === 'tests' || name === 'i18n') return [];
    if (statSync(full).isDirectory()) return sources(full);
    return name.endsWith('.js') ? [full] : [];
  });
}

const placeholders = (text) => [...String(text).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('english and russian have the same keys', () => {
  assert.deepEqual(Object.keys(ru).sort(), Object.keys(en).sort());
});

test('plural entries have every category the language needs and the same placeholders', () => {
  for (const [key, value] of Object.entries(en)) {
    const other = ru[key];
    if (typeof value === 'object') {
      assert.ok(value.one && value.other, `en ${key}`);
      for (const category of ['one', 'few', 'many', 'other']) assert.ok(other[category], `ru ${key}.${category}`);
      assert.deepEqual(placeholders(other.many), placeholders(value.other), key);
    } else {
      assert.equal(typeof other, 'string', key);
      assert.deepEqual(placeholders(other), placeholders(value), key);
    }
  }
});

test('every key the code asks for exists', () => {
  const missing = [];
  for (const file of sources(WEB)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\bt\('([a-z0-9_.]+)'/g)) {
      if (!Object.hasOwn(en, match[1])) missing.push(`${path.relative(WEB, file)}: ${match[1]}`);
    }
  }
  assert.deepEqual(missing, []);
});
