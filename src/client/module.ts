/** The ES module build: `import OpenFC from '<openfc>/js/v1/openfc.mjs'`. */
import { createOpenFC } from './openfc.ts';

export const OpenFC = createOpenFC(import.meta.url);
export default OpenFC;
