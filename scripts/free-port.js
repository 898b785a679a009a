// Ports for `npm start` (scripts/start.sh):
//   node scripts/free-port.js PORT [HOST] [AVOID...]
// prints PORT when a server can listen on it at HOST (default: every address, as n8n's editor
// listens), else the first free port after it (up to 100 further, skipping AVOID), else one the
// system picks. Exit 0 in all three cases; the caller compares the answer with PORT.
const net = require('node:net');

const [wanted, host, ...avoid] = process.argv.slice(2);
const preferred = Number(wanted);
const listenHost = host && host !== '-' ? host : undefined;

function canListen(port) {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen({ port, host: listenHost, exclusive: true }, () => server.close(() => resolve(true)));
	});
}

async function main() {
	const skip = new Set(avoid.map(Number));
	for (let port = preferred; port <= preferred + 100 && port < 65536; port++) {
		if (!skip.has(port) && (await canListen(port))) return port;
	}
	return await new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen({ port: 0, host: listenHost }, () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

main().then(
	(port) => console.log(port),
	(error) => {
		console.error(`free-port: ${error.message}`);
		process.exit(1);
	},
);
