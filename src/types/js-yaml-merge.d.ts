declare module 'js-yaml/lib/js-yaml/type/merge.js' {
  import type { Type } from 'js-yaml';
  const merge: Type;
  export default merge;
}
