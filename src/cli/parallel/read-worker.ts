/**
 * A worker thread that reads whole trail files and filters them, so several files are read at
 * once on several cores. It sends back only the matching records, as JSON text (structured
 * cloning of parsed objects would cost more than parsing them again where needed).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildRecordFilter } from '../../filters/record-filter.js';
import { readTrail } from '../../reader/trail-reader.js';
import { recordJson } from '../../sinks/record-sink.js';
import { fileInput } from '../../sources/expand-paths.js';
import type { MatchedRecord, ReadRequest, WorkerReport, WorkerSetup } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('read-worker must run as a worker thread');
const { spec } = workerData as WorkerSetup;
const filter = buildRecordFilter(spec);
const send = (report: WorkerReport) => port.postMessage(report);

port.on('message', (request: ReadRequest) => {
  void read(request);
});

async function read({ id, path, size }: ReadRequest): Promise<void> {
  let seen = 0;
  let bytes = 0;
  try {
    const input = fileInput(path, size);
    const reader = readTrail(input, {
      prefilter: filter.acceptsAll ? undefined : filter.prefilterField,
      onFault: (fault) => send({ type: 'fault', id, fault }),
      onProgress: (records, total) => {
        seen += records;
        bytes = total;
      },
    });
    for await (const batch of reader) {
      const records: MatchedRecord[] = [];
      for (const record of batch) {
        if (filter.matches(record.record)) records.push([recordJson(record), record.offset, record.line]);
      }
      send({ type: 'matches', id, records, seen, bytes });
      seen = 0;
    }
    send({ type: 'matches', id, records: [], seen, bytes });
    send({ type: 'done', id });
  } catch (error) {
    send({ type: 'crash', id, message: error instanceof Error ? error.message : String(error) });
  }
}
