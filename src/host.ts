// The host's shapes as the public API names them (issue 15, point 2). The published .d.ts files
// must compile in a project that has neither @types/node nor lib.dom (`"types": []`,
// `"lib": ["es2022"]`), so no declaration may name `NodeJS.*`, `Buffer`, `AbortSignal`,
// `Headers` or a `node:` module directly. Each shape here is either structural (only what cxchain
// reads of it) or, where a caller must get the real thing, the host's own type when the project
// has one: `typeof globalThis` holds a global `var` exactly when some lib or @types package
// declares it. Inside cxchain, compiled with @types/node, each resolves to Node's type, so the
// code is checked as strictly as if it named Node's types itself.

/** Environment variables as cxchain reads them (`env.*`, `secrets.*`, settings): `process.env` or a plain record. */
export type Environment = { readonly [name: string]: string | undefined };

/** An error of the file system (`NodeJS.ErrnoException`), as far as cxchain reads it. */
export interface SystemError {
  /** `ENOENT`, `EACCES`, … when the system gave one. */
  readonly code?: string | undefined;
  readonly message: string;
}

/**
 * What cxchain uses of a signal. The public API names it only in a project without an
 * `AbortSignal` type of its own (see {@link HostAbortSignal}); a real `AbortSignal` is one.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * `AbortSignal` where the project has the type (from @types/node or lib.dom), else
 * {@link AbortSignalLike}. The host's own type rather than only the structural one, because
 * cxchain also hands signals out (to `DataActionClient.execute`, to `ClientOptions.sleep`), and
 * code that passes one on to `fetch` or a timer needs the real type.
 */
export type HostAbortSignal = typeof globalThis extends { AbortSignal: { prototype: infer Signal } }
  ? Signal
  : AbortSignalLike;

/**
 * Node's `Buffer` where the project has the type, else `Uint8Array` (which a `Buffer` is). Read
 * from `Buffer.alloc`, as @types/node declares no `prototype` on the `Buffer` constructor.
 */
export type HostBytes = typeof globalThis extends { Buffer: { alloc(size: number): infer Bytes } } ? Bytes : Uint8Array;
