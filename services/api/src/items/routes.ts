import type { FastifyInstance } from "fastify";
import { HttpError, parseInput } from "../errors.ts";
import type { ItemsRepository } from "./repository.ts";
import { CreateItemBody, ItemParams, ListItemsQuery, UpdateItemBody } from "./schema.ts";

function notFound(): HttpError {
  return new HttpError(404, "not_found", "no item has this id");
}

export function registerItemRoutes(app: FastifyInstance, items: ItemsRepository): void {
  app.get("/items", async (request) => {
    const query = parseInput(ListItemsQuery, request.query, "query");
    return items.list(query);
  });

  app.post("/items", async (request, reply) => {
    const input = parseInput(CreateItemBody, request.body, "body");
    const item = await items.create(input);
    return reply.code(201).header("location", `/items/${item.id}`).send(item);
  });

  app.get("/items/:id", async (request) => {
    const { id } = parseInput(ItemParams, request.params, "params");
    const item = await items.get(id);
    if (item === undefined) throw notFound();
    return item;
  });

  app.patch("/items/:id", async (request) => {
    const { id } = parseInput(ItemParams, request.params, "params");
    const patch = parseInput(UpdateItemBody, request.body, "body");
    const item = await items.update(id, patch);
    if (item === undefined) throw notFound();
    return item;
  });

  app.delete("/items/:id", async (request, reply) => {
    const { id } = parseInput(ItemParams, request.params, "params");
    if (!(await items.remove(id))) throw notFound();
    return reply.code(204).send();
  });
}
