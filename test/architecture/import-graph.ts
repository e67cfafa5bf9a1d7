// The import graph of src/ by top-level folder, and a checker for folder-to-folder import rules
// (used by import-rules.test.ts). Specifiers come from the TypeScript compiler's own pre-processor,
// so `import type`, `export ... from` and dynamic `import()` all count.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One relative import: the importing file (relative to the repo), its specifier, and both folders. */
export interface ImportEdge {
  readonly file: string;
  readonly specifier: string;
  /** Top-level folder under src/ of the importer; `(root)` for src/*.ts. */
  readonly from: string;
  /** Top-level folder under src/ of the imported module; `(outside)` when not under src/. */
  readonly to: string;
}

export interface ImportRule {
  /** The folders the rule constrains, or every folder but some. */
  readonly importers: readonly string[] | { readonly allBut: readonly string[] };
  /** Only these folders (and the importer's own) may be imported. */
  readonly mayImportOnly?: readonly string[];
  /** These folders must not be imported. */
  readonly mustNotImport?: readonly string[];
  readonly why: string;
}

/** An edge the rules forbid but that is accepted for now, with the reason. */
export interface AllowedEdge {
  readonly file: string;
  readonly specifier: string;
  readonly why: string;
}

export interface Violation {
  readonly file: string;
  readonly specifier: string;
  readonly rule: string;
}

/** Module specifiers in `source`: static imports, re-exports, dynamic imports, import types. */
export function importSpecifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

function folderOf(srcDir: string, path: string): string {
  const rel = relative(srcDir, path);
  if (rel.startsWith('..')) return '(outside)';
  const parts = rel.split(sep);
  return parts.length > 1 ? parts[0]! : '(root)';
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative import of every .ts file under `srcDir` (package imports are not edges). */
export function srcImportEdges(repoRoot: string, srcDir = join(repoRoot, 'src')): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const path of tsFiles(srcDir)) {
    for (const specifier of importSpecifiers(readFileSync(path, 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      edges.push({
        file: relative(repoRoot, path).split(sep).join('/'),
        specifier,
        from: folderOf(srcDir, path),
        to: folderOf(srcDir, resolve(dirname(path), specifier)),
      });
    }
  }
  return edges;
}

function governs(rule: ImportRule, folder: string): boolean {
  const imp = rule.importers;
  return Array.isArray(imp) ? imp.includes(folder) : !(imp as { allBut: readonly string[] }).allBut.includes(folder);
}

function forbids(rule: ImportRule, target: string): boolean {
  if (rule.mayImportOnly !== undefined && !rule.mayImportOnly.includes(target)) return true;
  return rule.mustNotImport?.includes(target) ?? false;
}

/** Every edge that breaks a rule (one entry per edge and rule), minus the allowed ones. */
export function findViolations(edges: readonly ImportEdge[], rules: readonly ImportRule[], allowed: readonly AllowedEdge[] = []): Violation[] {
  const out: Violation[] = [];
  for (const edge of edges) {
    if (edge.from === edge.to) continue; // a folder may import itself
    if (allowed.some((a) => a.file === edge.file && a.specifier === edge.specifier)) continue;
    for (const rule of rules) {
      if (governs(rule, edge.from) && forbids(rule, edge.to)) {
        out.push({ file: edge.file, specifier: edge.specifier, rule: `${edge.from} -> ${edge.to}: ${rule.why}` });
      }
    }
  }
  return out;
}
