// Progress of `npm run bench` on stderr (the table and results stay on stdout): one line per step
// of each scenario, and the soak's count every quarter. On a terminal the soak's count updates
// in place.
export class Progress {
  constructor(private readonly total: number, private readonly tty = process.stderr.isTTY === true) {}

  /** `bench 3/25 rate-limit/per-user: <step>` */
  step(index: number, scenario: string, what: string): void {
    this.line(`bench ${index}/${this.total} ${scenario}: ${what}`);
  }

  /** A soak's progress callback: prints done/streams at each quarter (every sample on a terminal). */
  soak(index: number, scenario: string, streams: number): (done: number) => void {
    const quarter = Math.max(1, Math.floor(streams / 4));
    return (done) => {
      const text = `bench ${index}/${this.total} ${scenario}: soak ${done.toLocaleString("en")}/${streams.toLocaleString("en")} requests`;
      if (this.tty) process.stderr.write(`\r${text}${done >= streams ? "\n" : ""}`);
      else if (done % quarter === 0 || done === streams) this.line(text);
    };
  }

  private line(text: string): void {
    process.stderr.write(`${text}\n`);
  }
}
