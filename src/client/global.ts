/** The classic-script build: defines window.OpenFC, pointed at the origin this script came from. */
import { createOpenFC } from './openfc.ts';

const script = document.currentScript as HTMLScriptElement | null;
(window as unknown as { OpenFC: unknown }).OpenFC = createOpenFC(script?.src ?? window.location.href);
