// The public API as TypeScript sees it: every export of lib/index.ts, through the namespaces it
// re-exports (F, nn, optim, ...), with whether its declaration carries a doc comment and, for a
// callable export (function, class, function-valued const), its `@example` blocks. Used by
// test/docs.test.ts (every export documented; every name the README uses exists) and
// test/api-examples.test.ts (every callable has an example, and each example runs); printable as
// a list: `node scripts/api-exports.mjs [--undocumented | --no-example]`.
import ts from 'typescript';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * [{ name: 'nn.Linear', kind, documented, callable, examples, file, line }] for every public export;
 * `callable`: a function, a class or a const holding a function (these need an `@example`);
 * `examples`: the text of each `@example` tag of its declarations.
 */
export function apiExports() {
  const entry = `${root}lib/index.ts`;
  const program = ts.createProgram([entry], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true });
  const checker = program.getTypeChecker();
  const out = [];
  const seen = new Set();
  const walk = (moduleSymbol, prefix) => {
    for (const exp of checker.getExportsOfModule(moduleSymbol)) {
      const name = prefix + exp.getName();
      let sym = exp;
      if (sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
      const decl = sym.declarations?.[0];
      if (!decl) continue;
      const isNamespace = (sym.flags & ts.SymbolFlags.ValueModule) && ts.isSourceFile(decl);
      if (isNamespace) {
        if (!seen.has(sym)) { seen.add(sym); walk(sym, `${name}.`); }
        continue;
      }
      const docs = sym.getDocumentationComment(checker);
      const jsdoc = (sym.declarations ?? []).some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
      const sf = decl.getSourceFile();
      const callable = !!(sym.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class)) ||
        (!!(sym.flags & ts.SymbolFlags.Variable) && checker.getTypeOfSymbolAtLocation(sym, decl).getCallSignatures().length > 0);
      const examples = sym.getJsDocTags(checker).filter((t) => t.name === 'example').map((t) => ts.displayPartsToString(t.text ?? []));
      out.push({ name, kind: ts.SymbolFlags[sym.flags & ~ts.SymbolFlags.Transient] ?? String(sym.flags), documented: docs.length > 0 || jsdoc, callable, examples,
        file: sf.fileName.slice(root.length), line: sf.getLineAndCharacterOfPosition(decl.getStart()).line + 1 });
    }
  };
  walk(checker.getSymbolAtLocation(program.getSourceFile(entry)), '');
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const all = apiExports();
  const noExample = (e) => e.callable && e.examples.length === 0;
  const rows = process.argv.includes('--undocumented') ? all.filter((e) => !e.documented)
    : process.argv.includes('--no-example') ? all.filter(noExample) : all;
  for (const e of rows) console.log(`${e.documented ? ' ' : '!'}${noExample(e) ? 'x' : ' '} ${e.name.padEnd(44)} ${e.file}:${e.line}`);
  console.log(`${all.length} exports, ${all.filter((e) => !e.documented).length} without a doc comment, ` +
    `${all.filter(noExample).length} of ${all.filter((e) => e.callable).length} callable ones without an @example`);
}
