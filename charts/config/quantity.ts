/**
 * Kubernetes resource quantities, restricted to the forms this project accepts:
 * CPU as cores (`0.5`, `2`) or millicores (`500m`); memory and storage as plain bytes or with a
 * binary (`Ki`, `Mi`, `Gi`, `Ti`) or decimal (`k`, `M`, `G`, `T`) suffix. No signs, no exponents.
 */

const CPU = /^(\d+(?:\.\d{1,3})?|\d+m)$/;
const BYTES = /^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

const BYTE_FACTORS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

export function isCpuQuantity(value: string): boolean {
  return CPU.test(value);
}

export function isByteQuantity(value: string): boolean {
  return BYTES.test(value);
}

/** Millicores of a CPU quantity; throws on anything {@link isCpuQuantity} rejects. */
export function cpuMillis(value: string): number {
  if (!CPU.test(value)) throw new Error(`not a CPU quantity: "${value}"`);
  return value.endsWith('m') ? Number(value.slice(0, -1)) : Math.round(Number(value) * 1000);
}

/** Bytes of a memory or storage quantity; throws on anything {@link isByteQuantity} rejects. */
export function bytes(value: string): number {
  const match = BYTES.exec(value);
  if (!match) throw new Error(`not a byte quantity: "${value}"`);
  return Number(match[1]) * (BYTE_FACTORS[match[2] ?? ''] ?? 1);
}
