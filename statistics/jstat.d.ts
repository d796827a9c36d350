/** The part of jStat (https://jstat.github.io) drill uses; the package ships no types. */
declare module 'jstat' {
  interface Continuous {
    cdf(x: number, ...params: number[]): number;
    inv(p: number, ...params: number[]): number;
  }
  const jstat: { jStat: { normal: Continuous; studentt: Continuous } };
  export default jstat;
}
