/**
 * A webpack loader for tests that need another build of the workflow code (a bug, a patched change): it replaces
 * exact text in one source file while the bundle is built. Options: { replacements: [{ from, to }] }; a `from` that is
 * not in the file fails the build, so a variant never silently equals the original.
 */
module.exports = function replaceLoader(source) {
  const { replacements } = this.getOptions();
  let out = source;
  for (const { from, to } of replacements) {
    if (!out.includes(from)) throw new Error(`replace-loader: "${from}" is not in ${this.resourcePath}`);
    out = out.replace(from, to);
  }
  return out;
};
