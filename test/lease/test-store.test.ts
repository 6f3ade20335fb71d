import { describe, expect, it } from "vitest";
import { testStoreKinds } from "./support/test-store.ts";

describe("LEASE_TEST_STORE", () => {
  it("names dynalite, dynamodb-local or both; unset means the file's default", () => {
    expect(testStoreKinds("dynalite", undefined)).toEqual(["dynalite"]);
    expect(testStoreKinds("both", "")).toEqual(["dynalite", "dynamodb-local"]);
    expect(testStoreKinds("dynalite", "both")).toEqual(["dynalite", "dynamodb-local"]);
    expect(testStoreKinds("both", "dynamodb-local")).toEqual(["dynamodb-local"]);
    expect(() => testStoreKinds("dynalite", "dynamo")).toThrow(
      /LEASE_TEST_STORE must be dynalite, dynamodb-local or both, not "dynamo"/,
    );
  });
});
