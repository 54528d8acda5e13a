/**
 * Benchmark load generator (a separate process): sends pre-encoded flow datagrams to
 * 127.0.0.1:<port> at a target rate of flow records per second for a fixed duration, then
 * prints one JSON line {sentFlows, sentDatagrams, seconds}. Loopback only; bounded in count
 * and time by its arguments. Usage: udp-sender <port> <v5|v9|ipfix> <flowsPerSec> <seconds>
 */
import dgram from 'node:dgram';
import { benchDatagrams } from './datagrams.js';

const [portArg, proto, rateArg, secondsArg] = process.argv.slice(2);
const port = Number(portArg);
const rate = Number(rateArg);
const seconds = Math.min(30, Number(secondsArg));
if (!(port > 0) || !(rate > 0) || !(seconds > 0)) throw new Error('usage: udp-sender <port> <v5|v9|ipfix> <flowsPerSec> <seconds>');

const set = benchDatagrams(proto as 'v5' | 'v9' | 'ipfix');
const sock = dgram.createSocket('udp4');
sock.connect(port, '127.0.0.1', () => {
  const start = process.hrtime.bigint();
  const durationNs = BigInt(Math.round(seconds * 1e9));
  let sentFlows = 0;
  let sentDatagrams = 0;
  let i = 0;
  let inFlight = 0;
  const tick = () => {
    const elapsed = process.hrtime.bigint() - start;
    if (elapsed >= durationNs) {
      const finish = () => {
        if (inFlight > 0) return setTimeout(finish, 5);
        process.stdout.write(`${JSON.stringify({ sentFlows, sentDatagrams, seconds: Number(process.hrtime.bigint() - start) / 1e9 })}\n`);
        sock.close();
      };
      return finish();
    }
    const due = (Number(elapsed) / 1e9) * rate;
    // send what is due, a bounded batch per turn so the loop stays responsive
    let batch = 0;
    while (sentFlows < due && batch < 2000 && inFlight < 5000) {
      const d = set.datagrams[i] as { buf: Buffer; flows: number };
      i = (i + 1) % set.datagrams.length;
      inFlight++;
      sock.send(d.buf, () => inFlight--);
      sentFlows += d.flows;
      sentDatagrams++;
      batch++;
    }
    setImmediate(tick);
  };
  tick();
});
