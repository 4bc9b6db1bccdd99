import { bytes, cpuMillis, isByteQuantity, isCpuQuantity } from './quantity';

describe('quantities', () => {
  it.each([
    ['100m', 100],
    ['0.5', 500],
    ['2', 2000],
    ['1.25', 1250],
  ])('CPU %s is %d millicores', (q, m) => {
    expect(cpuMillis(q)).toBe(m);
  });

  it.each([
    ['64Mi', 64 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['500M', 5e8],
    ['1024', 1024],
  ])('%s is %d bytes', (q, b) => {
    expect(bytes(q)).toBe(b);
  });

  it.each(['-100m', '1e3', '100 m', '', 'm', '0.0001', '+1'])('rejects CPU %j', (q) => {
    expect(isCpuQuantity(q)).toBe(false);
    expect(() => cpuMillis(q)).toThrow('not a CPU quantity');
  });

  it.each(['-64Mi', '64MB', '1.5Gi', 'Mi', '64mi'])('rejects bytes %j', (q) => {
    expect(isByteQuantity(q)).toBe(false);
    expect(() => bytes(q)).toThrow('not a byte quantity');
  });
});
