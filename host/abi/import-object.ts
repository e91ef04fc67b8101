// Import objects handed to WebAssembly.Instance: a module links to exactly the members listed, nothing inherited.

/**
 * An import object or one of its namespaces. V8 finds a module's imports by property lookup, so on an ordinary
 * object the names `constructor`, `toString` or `__defineGetter__` would link Object.prototype's members (and
 * anything ever added to it) into the guest. Without a prototype only what is listed is there. Sealed, because
 * one object serves every call of a thread: a slot set per call (the memory, the runtime globals) can change,
 * nothing can be added.
 */
export function importNamespace<T extends object>(members: T): T {
  return Object.seal(Object.assign(Object.create(null) as T, members));
}

/**
 * An ABI's import object: its own namespaces, shared by every call of a thread, with the namespaces the sandbox adds
 * (InvokeContext.runtimeImports, whose names only the sandbox knows) linked beside them. One object is made per set
 * of added namespaces, kept while that set lives: the sandbox passes the same set to every call of a thread, so a
 * call links an import object V8 has seen before and allocates none.
 */
export class SharedImports {
  private readonly made = new WeakMap<object, WebAssembly.Imports>();

  constructor(private readonly own: Record<string, object>) {}

  with(added: Readonly<Record<string, object>>): WebAssembly.Imports {
    let imports = this.made.get(added);
    if (imports === undefined) {
      // The ABI's own namespaces win: what the sandbox adds cannot stand in for `env`.
      imports = importNamespace({ ...added, ...this.own }) as WebAssembly.Imports;
      this.made.set(added, imports);
    }
    return imports;
  }
}

/**
 * An instance made between calls (abi/runtime.ts InstantiateFn): the memory is linked as `env.memory` for the
 * instantiation only, so nothing keeps it reachable from the shared objects after.
 */
export function instantiateLinked(
  env: { memory: WebAssembly.Memory | null }, imports: SharedImports, module: WebAssembly.Module, memory: WebAssembly.Memory,
  runtimeImports: Readonly<Record<string, object>>,
): WebAssembly.Instance {
  env.memory = memory;
  try {
    return new WebAssembly.Instance(module, imports.with(runtimeImports));
  } finally {
    env.memory = null;
  }
}

/**
 * Freezes functions shared by every call of a thread and the record holding them. Guest code can reach them (it
 * can re-export an import), so none may carry anything from one request into the next.
 */
export function frozenFunctions<T extends Record<string, (...args: never[]) => unknown>>(fns: T): Readonly<T> {
  for (const f of Object.values(fns)) Object.freeze(f);
  return Object.freeze(fns);
}

/**
 * Freezes a memory or global a guest can reach, typed as before: their contents live in internal slots (`value`,
 * `grow`, `buffer` are prototype accessors), which freezing leaves working; only adding properties is stopped.
 */
export function frozenObject<T extends WebAssembly.Memory | WebAssembly.Global>(o: T): T {
  Object.freeze(o);
  return o;
}
