// The floor for the list benchmark: a bare node:http server running the api's exact list query
// through `pg`, with no framework, validation, logging or error mapping. What the api costs on top
// of this is what the benchmark measures.
import { createServer } from "node:http";
import pg from "pg";
import { type ItemRow, listQuery, toPage } from "../src/items/repository.ts";

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_MAX ?? "10"),
});
const query = listQuery({ limit: 20 });

createServer((request, response) => {
  if (request.url?.startsWith("/items") !== true) {
    response.writeHead(404).end();
    return;
  }
  pool.query<ItemRow>(query).then(
    ({ rows }) => {
      const body = JSON.stringify(toPage(rows, 20));
      response
        .writeHead(200, {
          "content-type": "application/json; charset=utf-8",
          "content-length": Buffer.byteLength(body),
        })
        .end(body);
    },
    () => {
      response.writeHead(503).end();
    },
  );
}).listen(Number(process.env.PORT), "127.0.0.1");
