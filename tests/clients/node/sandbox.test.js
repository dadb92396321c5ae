// The strict TypeScript clients against a running sandbox (started by
// tests/clients/test_node_clients.py, which passes the URL and keys in the environment).
// @openrouter/sdk parses every response and every stream chunk with its own zod schemas,
// so a field of the wrong type (a null fingerprint, say) fails here.
import assert from "node:assert/strict";
import { test } from "node:test";

import { OpenRouter } from "@openrouter/sdk";
import * as errors from "@openrouter/sdk/models/errors";
import OpenAI from "openai";

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} must be set`);
  return value;
};
const serverURL = env("SANDBOX_BASE_URL");
const key = env("SANDBOX_KEY");
const model = "openai/gpt-4o-mini";
const messages = [{ role: "user", content: "What's the weather like in Paris today?" }];
const weather = {
  type: "object",
  properties: {
    city: { type: "string", description: "City name, e.g. Paris" },
    unit: { type: "string", enum: ["celsius", "fahrenheit"] },
  },
  required: ["city", "unit"],
  additionalProperties: false,
};
const tools = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Get the current weather in a given city",
      parameters: weather,
    },
  },
];

const sdk = (apiKey = key) =>
  new OpenRouter({ apiKey, serverURL, retryConfig: { strategy: "none" } });
const openai = (apiKey = key) => new OpenAI({ apiKey, baseURL: serverURL, maxRetries: 0 });

function assertWeatherArguments(json) {
  const args = JSON.parse(json);
  assert.deepEqual(Object.keys(args).sort(), ["city", "unit"]);
  assert.equal(args.city, "Paris");
  assert.ok(weather.properties.unit.enum.includes(args.unit));
}

test("@openrouter/sdk streams chat: every chunk parses and the text adds up", async () => {
  const client = sdk();
  const plain = await client.chat.send({ chatRequest: { model, messages } });
  const stream = await client.chat.send({ chatRequest: { model, messages, stream: true } });
  let text = "";
  let chunks = 0;
  let usage;
  for await (const chunk of stream) {
    chunks += 1;
    text += chunk.choices[0]?.delta?.content ?? "";
    usage = chunk.usage ?? usage;
    assert.equal(typeof chunk.systemFingerprint, "string");
  }
  assert.ok(chunks > 2);
  assert.equal(text, plain.choices[0].message.content);
  assert.equal(usage.totalTokens, plain.usage.totalTokens);
});

test("@openrouter/sdk streams a non-OpenAI model's chat too", async () => {
  const stream = await sdk().chat.send({
    chatRequest: { model: "anthropic/claude-haiku-4.5", messages, stream: true },
  });
  let finish;
  for await (const chunk of stream) finish = chunk.choices[0]?.finishReason ?? finish;
  assert.equal(finish, "stop");
});

test("@openrouter/sdk: a required tool call with valid arguments", async () => {
  const result = await sdk().chat.send({
    chatRequest: { model, messages, tools, toolChoice: "required" },
  });
  const [call] = result.choices[0].message.toolCalls;
  assert.equal(result.choices[0].finishReason, "tool_calls");
  assert.equal(call.function.name, "get_weather");
  assertWeatherArguments(call.function.arguments);
});

test("@openrouter/sdk: streamed tool-call deltas assemble", async () => {
  const stream = await sdk().chat.send({
    chatRequest: { model, messages, tools, toolChoice: "required", stream: true },
  });
  let args = "";
  for await (const chunk of stream) {
    for (const call of chunk.choices[0]?.delta?.toolCalls ?? []) args += call.function?.arguments ?? "";
  }
  assertWeatherArguments(args);
});

test("@openrouter/sdk: embeddings, token arrays included", async () => {
  const result = await sdk().embeddings.generate({
    requestBody: { model: "openai/text-embedding-3-small", input: [[15339, 1917]] },
  });
  assert.equal(result.data[0].embedding.length, 1536);
});

test("@openrouter/sdk: typed 402, 403 and 429 errors", async () => {
  await assert.rejects(
    sdk(env("SANDBOX_POOR_KEY")).chat.send({ chatRequest: { model, messages } }),
    errors.PaymentRequiredResponseError,
  );
  await assert.rejects(
    sdk(env("SANDBOX_MANAGEMENT_KEY")).chat.send({ chatRequest: { model, messages } }),
    errors.ForbiddenResponseError,
  );
  await assert.rejects(
    sdk().chat.send(
      { chatRequest: { model, messages } },
      { headers: { "X-Sandbox-Fault": "429,retry_after=7" } },
    ),
    (error) => {
      assert.ok(error instanceof errors.TooManyRequestsResponseError);
      assert.equal(error.statusCode, 429);
      assert.equal(error.headers.get("retry-after"), "7");
      return true;
    },
  );
});

test("openai (npm): stream, tools and structured output", async () => {
  const client = openai();
  const stream = await client.chat.completions.create({ model, messages, stream: true });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  assert.ok(text.startsWith("Sandbox reply"));

  const called = await client.chat.completions.create({ model, messages, tools });
  assertWeatherArguments(called.choices[0].message.tool_calls[0].function.arguments);

  const structured = await client.chat.completions.create({
    model,
    messages,
    response_format: { type: "json_schema", json_schema: { name: "w", strict: true, schema: weather } },
  });
  assertWeatherArguments(structured.choices[0].message.content);
});

test("openai (npm): embeddings and a 429 with Retry-After", async () => {
  const client = openai();
  const result = await client.embeddings.create({
    model: "openai/text-embedding-3-small",
    input: "hello",
    encoding_format: "float",
  });
  assert.equal(result.data[0].embedding.length, 1536);
  await assert.rejects(
    client.chat.completions.create(
      { model, messages },
      { headers: { "X-Sandbox-Fault": "429,retry_after=7" } },
    ),
    (error) => {
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.equal(error.headers.get("retry-after"), "7");
      return true;
    },
  );
});
