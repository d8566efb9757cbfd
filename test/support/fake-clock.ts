// Preloaded into a child process (`node --import`), sets its clock to FAKE_NOW (ISO 8601): every
// `new Date()` and `Date.now()` of the program then reads that instant, so a test can run the same
// program "on another day".
const now = process.env.FAKE_NOW;
if (now !== undefined) {
  const instant = Date.parse(now);
  if (Number.isNaN(instant)) throw new Error(`FAKE_NOW is not a date: ${now}`);
  const RealDate = Date;
  class FakeDate extends RealDate {
    constructor(...args: [] | [string | number | Date]) {
      if (args.length === 0) super(instant);
      else super(args[0]);
    }
    static override now(): number {
      return instant;
    }
  }
  globalThis.Date = FakeDate as DateConstructor;
}
