import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { compileClassicScript, compileSchemas, findEvalUse } from '../../../scripts/compile-schemas.mjs';
import { runClassicScript } from '../../helpers/site-script.js';

type Validate = ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; keyword: string }> | null };

const order = {
  type: 'object',
  required: ['order_id'],
  properties: { order_id: { type: 'string', maxLength: 8 }, tags: { const: ['a', 'b'] } },
};

describe('findEvalUse (the build fails on any match in a browser bundle)', () => {
  it('finds eval and Function, with or without new, minified or not', () => {
    for (const code of ['eval("1")', 'x=eval (s)', 'new Function("return this")', 'a=new Function(b)', 'Function("x")()', 'window.eval(s)']) {
      expect(findEvalUse(code), code).not.toBeNull();
    }
  });

  it('ignores names that merely contain the words', () => {
    for (const code of ['retrieval(x)', 'evaluate(x)', 'isFunction(x)', 'x instanceof Function', 'typeof f == "function"', 'AsyncFunction']) {
      expect(findEvalUse(code), code).toBeNull();
    }
  });

  it('returns the match with context, to show where it is', () => {
    expect(findEvalUse('const a = 1; const f = new Function("a", "return a");')).toContain('new Function("a"');
  });
});

describe('compileSchemas (ESM, for the build)', () => {
  it('writes a module with one named export per schema, imports instead of require, no eval', () => {
    const { js, dts } = compileSchemas([{ name: 'validateOrder', schema: order }]);
    expect(js).toMatch(/export const validateOrder = /);
    expect(js).not.toMatch(/\brequire\(/);
    expect(js).toMatch(/^import \* as __ns0 from "ajv\/dist\/runtime\/ucs2length\.js";$/m);
    expect(findEvalUse(js)).toBeNull();
    expect(dts).toContain('export declare const validateOrder: StandaloneValidateFn;');
  });

  it('refuses a name that is not an identifier, and ties ajv errors to the entry', () => {
    expect(() => compileSchemas([{ name: 'purchase-completed', schema: order }])).toThrow('"purchase-completed" is not a JavaScript identifier');
    let err: unknown;
    try {
      compileSchemas([{ name: 'a', schema: order }, { name: 'b', schema: { type: 'object', requried: ['x'] }, label: 'schemas/b.json' }]);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'invalid-schema', message: expect.stringMatching(/^schemas\/b\.json: strict mode: unknown keyword: "requried"/) });
    expect(() => compileSchemas([{ name: 'c', schema: { $ref: 'other.json#' } }])).toThrow(/^c: can't resolve reference other\.json#/);
    expect(() => compileSchemas([])).toThrow('no schemas to compile');
  });
});

describe('compileClassicScript (for the worker, via importScripts)', () => {
  it('is a classic script: it runs outside a module and registers self.HOMING_SCHEMAS', async () => {
    const code = await compileClassicScript([{ name: 'order_placed', schema: order }]);
    expect(() => new vm.Script(code)).not.toThrow(); // an `import` or `export` would be a SyntaxError here
    expect(findEvalUse(code)).toBeNull();
    // The helpers are inside: the context it runs in below has no `require` to call.

    // Data from the worker's own realm, as in a real worker (deep equality compares constructors).
    const context = vm.createContext({ self: {} });
    vm.runInContext(code, context);
    const check = (data: unknown): { valid: boolean; first?: { instancePath: string; keyword: string } } =>
      JSON.parse(
        vm.runInContext(
          `(() => { const v = self.HOMING_SCHEMAS.order_placed; const valid = v(${JSON.stringify(data)}); return JSON.stringify({ valid, first: valid ? undefined : v.errors[0] }); })()`,
          context,
        ) as string,
      );
    expect(check({ order_id: 'o-1', tags: ['a', 'b'] })).toEqual({ valid: true });
    expect(check({ order_id: 'o-123456789' }).first).toMatchObject({ instancePath: '/order_id', keyword: 'maxLength' });
    expect(check({ order_id: 'o-1', tags: ['b', 'a'] }).first).toMatchObject({ instancePath: '/tags', keyword: 'const' }); // deep equality helper bundled
    expect(check({}).first).toMatchObject({ instancePath: '', keyword: 'required' });
  });

  it('keeps event names that are reserved words, and merges into validators already registered', async () => {
    const code = await compileClassicScript([
      { name: 'delete', schema: { type: 'object', required: ['id'] } },
      { name: 'new', schema: { type: 'object' } },
    ]);
    const earlier = () => true;
    const self = runClassicScript(code, { HOMING_SCHEMAS: { earlier } });
    const schemas = self.HOMING_SCHEMAS as Record<string, Validate>;
    expect(Object.keys(schemas).sort()).toEqual(['delete', 'earlier', 'new']);
    expect(schemas.earlier).toBe(earlier);
    expect(schemas.delete({})).toBe(false);
    expect(schemas.delete({ id: 1 })).toBe(true);
  });

  it('bundles format checks too (ajv-formats), under another global name if asked', async () => {
    const code = await compileClassicScript([{ name: 'signed_up', schema: { type: 'object', properties: { at: { type: 'string', format: 'date-time' } } } }], {
      globalName: 'OTHER',
    });
    const validate = (runClassicScript(code).OTHER as Record<string, Validate>).signed_up;
    expect(validate({ at: '2026-11-28T12:00:00Z' })).toBe(true);
    expect(validate({ at: 'noon' })).toBe(false);
  });
});
