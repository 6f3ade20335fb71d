// A fake of the SSM JSON API (GetParameter only) on loopback, for the AWS SDK's real SSM client.
import { createServer, type Server } from "node:http";

export interface SsmCall {
  target: string | undefined;
  body: { Name: string; WithDecryption?: boolean };
  authorization: string | undefined;
}

/** GetParameter answers from `parameters`; a missing name is ParameterNotFound. */
export function fakeSsm(parameters: Map<string, string>) {
  const calls: SsmCall[] = [];
  const server: Server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk) => (text += chunk));
    request.on("end", () => {
      const body = JSON.parse(text) as SsmCall["body"];
      calls.push({
        target: request.headers["x-amz-target"] as string | undefined,
        body,
        authorization: request.headers.authorization,
      });
      const value = parameters.get(body.Name);
      response.setHeader("content-type", "application/x-amz-json-1.1");
      if (value === undefined) {
        response.statusCode = 400;
        response.end(JSON.stringify({ __type: "ParameterNotFound", message: "not found" }));
        return;
      }
      const parameter = { Name: body.Name, Type: "SecureString", Value: value, Version: 1 };
      response.end(JSON.stringify({ Parameter: parameter }));
    });
  });
  return { server, calls };
}
