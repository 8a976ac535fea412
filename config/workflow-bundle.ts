/**
 * How the workflow code is bundled, wherever it is bundled (the image's and `npm start`'s prebuilt bundle, the
 * worker's own bundling when it has none, the bench), so that every worker shares the same modules.
 *
 * The SDK runs all workflows of a worker in one reused V8 context but evaluates every module of the bundle again for
 * each workflow it caches or replays: about 2.2 MB of heap per workflow for our bundle, 0.8 MB of it zod's own
 * modules. A preloaded module is evaluated once and shared by all workflows.
 *
 * What may be listed: modules with no per-workflow state whose module scope calls no workflow API (it runs before any
 * workflow exists). The SDK deep-freezes a preloaded module's exports after loading it, so a module that later writes
 * to objects it exports fails the workflow task. That rules out our contract modules: zod 4 schemas define their
 * methods on first use and wrap their parse on first parse (tried: every vending history then fails to replay with
 * "Cannot assign to read only property 'parse'"). zod's own exports survive the freeze (every recorded history
 * replays with zod preloaded).
 */
export const WORKFLOW_PRELOAD_MODULES: readonly string[] = ['zod'];
