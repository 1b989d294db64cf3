/**
 * A trivial loopback JSON server for the HTTP client comparison: every request gets the same
 * body (a Salesforce identity document of the usual size), so the client is what is measured.
 */
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { processCalls, serveCalls } from '../lib/processes.mjs';

const body = process.argv[2] ?? '{}';
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

serveCalls({ url: `http://127.0.0.1:${server.address().port}` }, processCalls, () => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
});
