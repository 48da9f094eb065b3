// Runs s3rver in its own process: it needs Node's legacy OpenSSL provider for paginated listings
// (see ../shared/notes/s3-test-server.md), which must not leak into the kmstrail process.
import S3rver from 's3rver';

const directory = process.argv[2];
const server = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true, configureBuckets: [{ name: 'trails' }] });
const { port } = await server.run();
process.send?.({ port });
process.on('message', async (message) => {
  if (message === 'close') {
    await server.close();
    process.exit(0);
  }
});
