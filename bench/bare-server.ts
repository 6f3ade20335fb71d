// The baseline for `npm run bench:http`: bare node:http answering a short JSON body.
import { createServer } from "node:http";

const body = '{"id":"251389407452463104"}';
createServer((_req, res) => {
  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  res.end(body);
}).listen(Number(process.env.PORT), "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ msg: "listening" })}\n`);
});
