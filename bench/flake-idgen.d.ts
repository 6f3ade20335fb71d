declare module "flake-idgen" {
  /** The subset of flake-idgen's API the benchmark uses. */
  export default class FlakeId {
    constructor(options?: { worker?: number; datacenter?: number; epoch?: number });
    next(): Buffer;
  }
}
