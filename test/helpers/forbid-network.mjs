// Preloaded with NODE_OPTIONS="--import <this file>" into a process that must not touch the network: every outgoing
// connection (TCP, TLS, fetch) throws and the process exits with 99, so a test sees at once that one was tried.
import net from "node:net";

function refuse(what) {
  process.stderr.write(`forbid-network: outbound ${what} attempted\n`);
  process.exit(99);
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  // net.connect passes its normalised [options, callback] pair as the first argument.
  const options = Array.isArray(args[0]) ? args[0][0] : args[0];
  // Local IPC (a pipe path, as tsx's own loader uses) is not the network; a port or a host is.
  if (
    typeof options === "object" &&
    options !== null &&
    typeof options.path === "string" &&
    options.port === undefined
  )
    return connect.apply(this, args);
  refuse("connection");
};
globalThis.fetch = () => refuse("fetch");
