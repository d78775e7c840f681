// Entry point. Static imports are all loaded before any code runs, so the Node.js version is checked here first,
// with a module that loads on any Node.js, and only then is the app itself imported.
import { checkNodeVersion, readSupportedNodeRange } from "./start/check-node-version.js";

const problem = checkNodeVersion(process.versions.node, readSupportedNodeRange());
if (problem !== undefined) {
  console.error(problem);
  process.exit(1);
}
const { startApp } = await import("./start/start-app.js");
await startApp();
