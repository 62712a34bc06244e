/** `--flag` -> true, `--key value` -> 'value'. */
export function argv(list) {
  const o = {};
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    if (!a.startsWith('--')) continue;
    const k = a.slice(2);
    if (i + 1 < list.length && !list[i + 1].startsWith('--')) o[k] = list[++i];
    else o[k] = true;
  }
  return o;
}
