/**
 * Runs this package's BUILT nodes (dist/, as listed in package.json's `n8n` section) through n8n's
 * real execution engine: n8n-core's PackageDirectoryLoader, n8n-workflow's Workflow, n8n-core's
 * WorkflowExecute, ExecuteContext / LoadOptionsContext and RoutingNode, and n8n's real HTTP stack
 * (OutboundHttp). Only the parts that need n8n's database are replaced: credentials come from the
 * test (TestCredentialsHelper), and lifecycle hooks only collect the run.
 *
 * Build first: `npm run build`.
 */
import './env';

import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';

import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialsExpressionResolveValues,
	ICredentialTestFunction,
	ICredentialTestFunctions,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IExecuteData,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeExecutionData,
	INodeListSearchResult,
	INodeParameters,
	INodeProperties,
	INodeType,
	INodeTypes,
	IRequestOptionsSimplified,
	IRun,
	IRunExecutionData,
	ITaskDataConnections,
	IVersionedNodeType,
	IWorkflowBase,
	IWorkflowExecuteAdditionalData,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import {
	createRunExecutionData,
	ICredentialsHelper,
	isExpression,
	LoggerProxy,
	NodeHelpers,
	UnexpectedError,
	VersionedNodeType,
	Workflow,
} from 'n8n-workflow';
import {
	BinaryDataService,
	CredentialTestContext,
	Credentials,
	ErrorReporter,
	ExecuteContext,
	ExecutionLifecycleHooks,
	InstanceSettings,
	LoadOptionsContext,
	PackageDirectoryLoader,
	RoutingNode,
	SupplyDataContext,
	WorkflowExecute,
} from 'n8n-core';

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

export interface TestCredentials {
	apiKey: string;
	baseUrl: string;
}

export type NodeName = 'mistralChat' | 'mistralEmbed' | 'mistralChatModel' | 'mistralEmbeddings' | 'mistralModerate' | 'mistralDocumentAi';

export interface RunNodeOptions {
	node: NodeName;
	/** The node's parameters; n8n fills in the defaults (NodeHelpers.getNodeParameters, as in the editor). */
	parameters: INodeParameters;
	/** Input items (default: one item `{ json: {} }`). Binary data: `binary: { data: { data: base64, mimeType, fileName } }`. */
	items?: INodeExecutionData[];
	credentials: TestCredentials;
	/** false: the items are handed over as they are, not cloned (benchmarks: a clone of a large binary is the harness's cost, not the node's). */
	cloneItems?: boolean;
	/** Sets the node's `onError` to 'continueRegularOutput' (n8n's "Continue On Fail"). */
	continueOnFail?: boolean;
	/** Sets the node's `onError` to 'continueErrorOutput' (n8n's "Continue (using error output)"); see errorItems. */
	errorOutput?: boolean;
	/** Cancels the execution (p-cancelable `.cancel()`, what n8n's "Stop" does) after this delay. */
	cancelAfterMs?: number;
	/** Runs as n8n runs a streaming Webhook / Chat Trigger execution: `isStreaming()` is true and `sendChunk` lands in `chunks`. */
	streaming?: boolean;
	/** Marks the node as n8n marks a node an AI Agent runs as its tool (engine request: output logged as `ai_tool`). */
	asAgentTool?: boolean;
}

export interface RunNodeResult {
	/** The node's main output 0 (empty if it failed). */
	items: INodeExecutionData[];
	/** Every main output of the node, as n8n routed them (with errorOutput, n8n's error output is the last). */
	outputs: INodeExecutionData[][];
	/** With errorOutput: the error output (main output 1), as n8n routed it. */
	errorItems: INodeExecutionData[];
	/** The node's error if the run failed (the error object n8n stores on the run, with its own message/description/context). */
	error?: Error & { description?: string; context?: unknown };
	/** The engine's final run status ('success' | 'error' | 'canceled' ...). */
	status: string;
	run: IRun;
	/** Every line n8n's logger (LoggerProxy and the DI Logger) received during the run, metadata JSON-stringified. */
	logs: string[];
	/** Wall time from the start of the run until the engine resolved it. */
	durationMs: number;
	/** When cancelAfterMs fired: the status n8n's cancel hook reported at that moment ('canceled'). */
	statusAtCancel?: string;
	/** With `streaming`: what the node sent through n8n's sendChunk hook, in order, with when it arrived. */
	chunks: Array<{ type: string; content?: string; itemIndex: number; at: number }>;
}

export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
export const CREDENTIAL_TYPE = 'mistralAiApi';
const TEST_CREDENTIAL_ID = 'test-credential-1';
const TEST_CREDENTIAL_NAME = 'Mistral AI API (test)';

// ---------------------------------------------------------------------------------------------
// n8n-core's own DI container and Logger class (n8n-core ships its own copies of @n8n/di and
// @n8n/backend-common; the top-level ones are other instances, so resolve them from n8n-core).
// ---------------------------------------------------------------------------------------------

const coreDir = path.dirname(require.resolve('n8n-core/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Container } = require(require.resolve('@n8n/di', { paths: [coreDir] })) as {
	Container: {
		get<T>(type: abstract new (...args: never[]) => T): T;
		set<T>(type: abstract new (...args: never[]) => T, instance: T): void;
	};
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Logger: LoggerToken } = require(require.resolve('@n8n/backend-common', { paths: [coreDir] })) as {
	Logger: abstract new (...args: never[]) => unknown;
};

// ---------------------------------------------------------------------------------------------
// Log capture: n8n's logger interface, recording every line (and echoing with MISTRAL_HARNESS_LOG=1)
// ---------------------------------------------------------------------------------------------

const logLines: string[] = [];

function stringifyMeta(meta: unknown): string {
	if (meta === undefined) return '';
	const seen = new WeakSet<object>();
	try {
		return JSON.stringify(meta, (_key, value: unknown) => {
			if (value instanceof Error) {
				// Errors keep message, stack and every own property (description, context, cause...).
				const plain: Record<string, unknown> = { name: value.name, message: value.message, stack: value.stack };
				for (const key of Object.getOwnPropertyNames(value)) plain[key] = (value as unknown as Record<string, unknown>)[key];
				if ('cause' in value) plain.cause = (value as { cause?: unknown }).cause;
				return plain;
			}
			if (typeof value === 'object' && value !== null) {
				if (seen.has(value)) return '[Circular]';
				seen.add(value);
			}
			if (typeof value === 'bigint') return value.toString();
			return value;
		});
	} catch (error) {
		return `[unserializable metadata: ${(error as Error).message}]`;
	}
}

class CapturingLogger {
	private record(level: string, message: unknown, meta?: unknown) {
		const text = typeof message === 'string' ? message : stringifyMeta(message);
		const line = `${level}: ${text}${meta === undefined ? '' : ` ${stringifyMeta(meta)}`}`;
		logLines.push(line);
		if (process.env.MISTRAL_HARNESS_LOG === '1') process.stderr.write(`[n8n] ${line}\n`);
	}

	error(message: string, meta?: unknown) {
		this.record('error', message, meta);
	}

	warn(message: string, meta?: unknown) {
		this.record('warn', message, meta);
	}

	info(message: string, meta?: unknown) {
		this.record('info', message, meta);
	}

	debug(message: string, meta?: unknown) {
		this.record('debug', message, meta);
	}

	scoped() {
		return this;
	}
}

// ---------------------------------------------------------------------------------------------
// Setup, once per jest worker module registry: DI services, the package loader, node types
// ---------------------------------------------------------------------------------------------

class PackageNodeTypes implements INodeTypes {
	constructor(private readonly loader: PackageDirectoryLoader) {}

	private shortName(nodeType: string): string {
		const prefix = `${this.loader.packageName}.`;
		if (!nodeType.startsWith(prefix)) {
			throw new UnexpectedError(`Unknown node type "${nodeType}" (this harness only loads ${this.loader.packageName})`);
		}
		return nodeType.slice(prefix.length);
	}

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		return this.loader.getNode(this.shortName(nodeType)).type;
	}

	getByNameAndVersion(nodeType: string, version?: number): INodeType {
		return NodeHelpers.getVersionedNodeType(this.getByName(nodeType), version);
	}

	getKnownTypes(): IDataObject {
		return this.loader.known.nodes as unknown as IDataObject;
	}
}

interface Engine {
	loader: PackageDirectoryLoader;
	nodeTypes: PackageNodeTypes;
	packageName: string;
}

let enginePromise: Promise<Engine> | undefined;

async function setUp(): Promise<Engine> {
	const logger = new CapturingLogger();
	Container.set(LoggerToken, logger as never);
	LoggerProxy.init(logger as never);
	// Real InstanceSettings: creates <N8N_USER_FOLDER>/.n8n/config with an encryption key.
	Container.get(InstanceSettings);
	// Real BinaryDataService in n8n's "default" mode: binary data stays in memory (base64 on the item).
	await Container.get(BinaryDataService).init();

	if (!existsSync(path.join(PACKAGE_ROOT, 'dist', 'nodes'))) {
		throw new Error(`No build at ${PACKAGE_ROOT}/dist: run "npm run build" before the tests.`);
	}
	const loader = new PackageDirectoryLoader(PACKAGE_ROOT);
	await loader.loadAll();
	return { loader, nodeTypes: new PackageNodeTypes(loader), packageName: loader.packageName };
}

async function engine(): Promise<Engine> {
	enginePromise ??= setUp();
	return await enginePromise;
}

/** The loaded package (built dist/), for tests that inspect descriptions. */
export async function loadPackage(): Promise<{ loader: PackageDirectoryLoader; nodeTypes: INodeTypes; packageName: string }> {
	return await engine();
}

// ---------------------------------------------------------------------------------------------
// Credentials: n8n's CredentialsHelper contract, with the credentials held in memory
// ---------------------------------------------------------------------------------------------

/**
 * Mirrors n8n's CredentialsHelper (packages/cli/src/credentials-helper.ts) for what a node run needs:
 * defaults applied to the stored data, expressions in it resolved, the credential type's
 * `authenticate` applied (generic: each key and value resolved as an expression with
 * `$credentials`, falsy results become ''), and `preAuthentication` only for types with an
 * expirable property (none here, so it returns undefined, as n8n does).
 */
export class TestCredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly loader: PackageDirectoryLoader,
		private readonly store: Record<string, ICredentialDataDecryptedObject>,
	) {
		super();
	}

	private type(typeName: string): ICredentialType {
		return this.loader.getCredential(typeName).type;
	}

	/** Parent credential types (`extends`), transitively; types this package does not define end the chain. */
	getParentTypes(typeName: string): string[] {
		let parents: string[];
		try {
			parents = this.type(typeName).extends ?? [];
		} catch {
			return [];
		}
		return parents.flatMap((parent) => [parent, ...this.getParentTypes(parent)]);
	}

	isCredentialUsableByNode(credentialType: string, nodeType: string): boolean {
		let type: ICredentialType;
		try {
			type = this.type(credentialType);
		} catch {
			return true;
		}
		if (!type.restrictToSupportedNodes) return true;
		const prefix = `${this.loader.packageName}.`;
		return (type.supportedNodes ?? []).map((name) => `${prefix}${name}`).includes(nodeType);
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		incomingRequestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const requestOptions = incomingRequestOptions as IHttpRequestOptions;
		const { authenticate } = this.type(typeName);
		if (!authenticate) return requestOptions;
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		if (!workflow || !node) {
			throw new UnexpectedError('Workflow and node are required for declarative credential authentication');
		}
		requestOptions.headers ??= {};
		if (authenticate.type === 'generic') {
			for (const [outerKey, inner] of Object.entries(authenticate.properties)) {
				for (const [key, value] of Object.entries(inner as Record<string, unknown>)) {
					const resolvedKey = this.resolveValue(key, credentials, workflow, node);
					const resolvedValue = this.resolveValue(value as string, credentials, workflow, node);
					const target = requestOptions as unknown as Record<string, Record<string, unknown>>;
					target[outerKey] ??= {};
					target[outerKey][resolvedKey] = resolvedValue;
				}
			}
		}
		return requestOptions;
	}

	private resolveValue(value: string, credentials: ICredentialDataDecryptedObject, workflow: Workflow, node: INode): string {
		if (!isExpression(value)) return value;
		const resolved = workflow.expression.getSimpleParameterValue(
			node,
			value,
			'internal',
			{ $credentials: credentials },
			undefined,
			'',
		);
		return resolved ? String(resolved) : '';
	}

	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		_node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const type = this.type(typeName);
		const expirable = type.properties.find(
			(property) => property.type === 'hidden' && property.typeOptions?.expirable === true,
		);
		if (expirable?.name === undefined || typeof type.preAuthentication !== 'function') return undefined;
		if (credentials[expirable.name] !== '' && !credentialsExpired) return undefined;
		const output = await type.preAuthentication.call(helpers, credentials);
		if (output[expirable.name] === undefined) return undefined;
		return Object.assign(credentials, output);
	}

	async runPreAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const type = this.type(typeName);
		if (typeof type.preAuthentication !== 'function') return undefined;
		return ((await type.preAuthentication.call(helpers, credentials)) as ICredentialDataDecryptedObject) ?? undefined;
	}

	async getCredentials(nodeCredentials: INodeCredentialsDetails, type: string): Promise<Credentials> {
		const credentials = new Credentials({ id: nodeCredentials.id, name: nodeCredentials.name }, type);
		await credentials.setData(this.stored(type));
		return credentials;
	}

	private stored(type: string): ICredentialDataDecryptedObject {
		const data = this.store[type];
		if (!data) throw new UnexpectedError(`The test provided no credentials of type "${type}"`);
		return structuredClone(data);
	}

	getCredentialsProperties(type: string): INodeProperties[] {
		const credentialType = this.type(type);
		if (!credentialType.extends) return credentialType.properties;
		const combined: INodeProperties[] = [];
		for (const parent of credentialType.extends) NodeHelpers.mergeNodeProperties(combined, this.getCredentialsProperties(parent));
		NodeHelpers.mergeNodeProperties(combined, credentialType.properties);
		return combined;
	}

	/** The stored data with the type's defaults filled in (what n8n's applyDefaultsAndOverwrites does, minus overwrites). */
	applyDefaults(type: string, data: ICredentialDataDecryptedObject): ICredentialDataDecryptedObject {
		const withDefaults = NodeHelpers.getNodeParameters(
			this.getCredentialsProperties(type),
			data as INodeParameters,
			true,
			false,
			null,
			null,
		);
		return { ...data, ...(withDefaults as ICredentialDataDecryptedObject) };
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
		mode: WorkflowExecuteMode,
		executeData?: IExecuteData,
		raw?: boolean,
		expressionResolveValues?: ICredentialsExpressionResolveValues,
	): Promise<ICredentialDataDecryptedObject> {
		const data = this.stored(type);
		if (raw) return data;
		const decrypted = this.applyDefaults(type, data);
		const hasExpressions = Object.values(decrypted).some((value) => isExpression(value));
		if (!hasExpressions) return decrypted;
		if (expressionResolveValues) {
			const { workflow, runExecutionData, runIndex, itemIndex, node, connectionInputData } = expressionResolveValues;
			return workflow.expression.getParameterValue(
				decrypted as INodeParameters,
				runExecutionData,
				runIndex,
				itemIndex,
				node.name,
				connectionInputData,
				mode,
				{},
				executeData,
				false,
				decrypted,
			) as ICredentialDataDecryptedObject;
		}
		const mockNode: INode = { id: 'mock', name: '', typeVersion: 1, type: 'mock', position: [0, 0], parameters: {} };
		const workflow = new Workflow({ nodes: [mockNode], connections: {}, active: false, nodeTypes: mockNodeTypes({}) });
		return workflow.expression.getComplexParameterValue(
			mockNode,
			decrypted as INodeParameters,
			mode,
			{},
			undefined,
			undefined,
			decrypted,
		) as ICredentialDataDecryptedObject;
	}

	async updateCredentials(_nodeCredentials: INodeCredentialsDetails, type: string, data: ICredentialDataDecryptedObject): Promise<void> {
		this.store[type] = structuredClone(data);
	}

	async updateCredentialsOauthTokenData(
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		this.store[type] = { ...this.store[type], ...structuredClone(data) };
	}
}

function mockNodeTypes(types: Record<string, INodeType>): INodeTypes {
	return {
		getByName: (name) => {
			const type = types[name];
			if (!type) throw new UnexpectedError(`Unknown node type "${name}"`);
			return type;
		},
		getByNameAndVersion: (name, version) => {
			const type = types[name];
			if (!type) throw new UnexpectedError(`Unknown node type "${name}"`);
			return NodeHelpers.getVersionedNodeType(type, version);
		},
		getKnownTypes: () => ({}),
	};
}

function credentialStore(credentials: TestCredentials): Record<string, ICredentialDataDecryptedObject> {
	return { [CREDENTIAL_TYPE]: { apiKey: credentials.apiKey, baseUrl: credentials.baseUrl } };
}

// ---------------------------------------------------------------------------------------------
// Additional data: what n8n's WorkflowExecuteAdditionalData.getBase() provides, without a database
// ---------------------------------------------------------------------------------------------

function notAvailable(what: string) {
	return async () => {
		throw new UnexpectedError(`${what} is not available in the test harness`);
	};
}

function additionalDataFor(
	credentialsHelper: ICredentialsHelper,
	executionId: string | undefined,
	hooks?: ExecutionLifecycleHooks,
	currentNodeParameters?: INodeParameters,
): IWorkflowExecuteAdditionalData {
	const base = 'http://localhost:5678/';
	return {
		credentialsHelper,
		executionId,
		hooks,
		currentNodeParameters,
		currentNodeExecutionIndex: 0,
		restApiUrl: `${base}rest`,
		instanceBaseUrl: base,
		formBaseUrl: `${base}form`,
		formWaitingBaseUrl: `${base}form-waiting`,
		formTestBaseUrl: `${base}form-test`,
		webhookBaseUrl: `${base}webhook`,
		webhookWaitingBaseUrl: `${base}webhook-waiting`,
		webhookTestBaseUrl: `${base}webhook-test`,
		mcpBaseUrl: `${base}mcp`,
		mcpTestBaseUrl: `${base}mcp-test`,
		variables: {},
		executeWorkflow: notAvailable('executeWorkflow'),
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		logAiEvent: () => {},
		startRunnerTask: notAvailable('The task runner'),
	} as unknown as IWorkflowExecuteAdditionalData;
}

function workflowBase(workflow: Workflow): IWorkflowBase {
	const now = new Date();
	return {
		id: workflow.id,
		name: workflow.name ?? 'test',
		active: false,
		isArchived: false,
		activeVersionId: null,
		createdAt: now,
		updatedAt: now,
		nodes: Object.values(workflow.nodes),
		connections: workflow.connectionsBySourceNode,
		settings: workflow.settings,
	};
}

async function nodeFor(
	name: NodeName,
	parameters: INodeParameters,
	onError?: INode['onError'],
): Promise<{ node: INode; engine: Engine }> {
	const current = await engine();
	// The latest version, as the editor adds a new node.
	const description = current.nodeTypes.getByNameAndVersion(`${current.packageName}.${name}`).description;
	const version = Array.isArray(description.version)
		? description.version[description.version.length - 1]
		: description.version;
	const node: INode = {
		id: randomUUID(),
		name: description.defaults.name ?? description.displayName,
		type: `${current.packageName}.${name}`,
		typeVersion: version,
		position: [0, 0],
		parameters: structuredClone(parameters),
		credentials: { [CREDENTIAL_TYPE]: { id: TEST_CREDENTIAL_ID, name: TEST_CREDENTIAL_NAME } },
		...(onError ? { onError } : {}),
	};
	return { node, engine: current };
}

/** An input item carrying one binary property (n8n's in-memory form: base64 in `data`). */
export function binaryItem(
	bytes: Buffer,
	mimeType: string,
	fileName: string,
	json: IDataObject = {},
	property = 'data',
): INodeExecutionData {
	return {
		json,
		binary: {
			[property]: {
				data: bytes.toString('base64'),
				mimeType,
				fileName,
				fileSize: `${bytes.length} B`,
				bytes: bytes.length,
			},
		},
	};
}

// ---------------------------------------------------------------------------------------------
// runNode: one node, the given input items, a real WorkflowExecute run
// ---------------------------------------------------------------------------------------------

function asError(value: unknown): RunNodeResult['error'] {
	if (value === undefined || value === null) return undefined;
	if (value instanceof Error) return value as RunNodeResult['error'];
	// n8n stores a spread copy ({ ...error, message, stack }); keep every own property (so
	// JSON.stringify shows all of it) and make it an Error for instanceof checks.
	return Object.setPrototypeOf({ ...(value as object) }, Error.prototype) as RunNodeResult['error'];
}

export async function runNode(options: RunNodeOptions): Promise<RunNodeResult> {
	const { node, engine: current } = await nodeFor(
		options.node,
		options.parameters,
		options.errorOutput ? 'continueErrorOutput' : options.continueOnFail ? 'continueRegularOutput' : undefined,
	);
	const credentialsHelper = new TestCredentialsHelper(current.loader, credentialStore(options.credentials));

	const workflow = new Workflow({
		id: `wf-${randomUUID()}`,
		name: `Harness: ${options.node}`,
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: current.nodeTypes,
		settings: { executionOrder: 'v1' },
	});
	// The Workflow constructor filled in the parameter defaults, as n8n does.
	const workflowNode = workflow.getNode(node.name)!;
	if (options.asAgentTool) workflowNode.rewireOutputLogTo = 'ai_tool';

	const executionId = randomUUID();
	const mode: WorkflowExecuteMode = 'manual';
	const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowBase(workflow));
	const afterRuns: IRun[] = [];
	hooks.addHandler('workflowExecuteAfter', (fullRunData) => {
		afterRuns.push(fullRunData);
	});
	const additionalData = additionalDataFor(credentialsHelper, executionId, hooks);
	const chunks: RunNodeResult['chunks'] = [];
	if (options.streaming) {
		hooks.addHandler('sendChunk', (chunk) => {
			chunks.push({ type: chunk.type, content: chunk.content, itemIndex: chunk.metadata.itemIndex, at: Date.now() });
		});
		additionalData.streamingEnabled = true;
	}

	const items = options.cloneItems === false ? (options.items ?? [{ json: {} }]) : structuredClone(options.items ?? [{ json: {} }]);
	const runExecutionData: IRunExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [{ node: workflowNode, data: { main: [items] }, source: null }],
		},
	});

	const logStart = logLines.length;
	const startedAt = Date.now();
	const workflowExecute = new WorkflowExecute(additionalData, mode, runExecutionData);
	const execution = workflowExecute.processRunExecutionData(workflow);

	let cancelTimer: NodeJS.Timeout | undefined;
	let statusAtCancel: string | undefined;
	if (options.cancelAfterMs !== undefined) {
		cancelTimer = setTimeout(() => {
			const before = afterRuns.length;
			execution.cancel();
			// n8n's cancel handler reports the run (status 'canceled') through workflowExecuteAfter at once.
			statusAtCancel = afterRuns[before]?.status;
		}, options.cancelAfterMs);
	}

	let run: IRun;
	try {
		run = await execution;
	} finally {
		if (cancelTimer) clearTimeout(cancelTimer);
	}
	const durationMs = Date.now() - startedAt;
	const logs = logLines.slice(logStart);

	const taskData = run.data.resultData.runData[workflowNode.name]?.[0];
	const outputItems = taskData?.data?.main?.[0] ?? [];
	const error = asError(taskData?.error ?? run.data.resultData.error);

	return {
		items: outputItems,
		outputs: (taskData?.data?.main ?? []).map((output) => output ?? []),
		errorItems: options.errorOutput ? (taskData?.data?.main?.[1] ?? []) : [],
		error,
		status: run.status,
		run,
		logs,
		durationMs,
		statusAtCancel,
		chunks,
	};
}

// ---------------------------------------------------------------------------------------------
// supplyNode: what n8n does when a root node (AI Agent, vector store) asks a sub-node for its object
// ---------------------------------------------------------------------------------------------

export interface SupplyNodeOptions {
	node: 'mistralChatModel' | 'mistralEmbeddings';
	parameters: INodeParameters;
	credentials: TestCredentials;
}

export interface SuppliedNode {
	/** What supplyData returned as `response` (the chat model or the embeddings object). */
	response: unknown;
	/** What the sub-node logged with addInputData / addOutputData, as n8n shows it in the editor. */
	runData: () => IRunExecutionData['resultData']['runData'];
	logs: () => string[];
}

/**
 * Calls the sub-node's supplyData through n8n-core's SupplyDataContext, as n8n's
 * getInputConnectionData does for a connected AI sub-node (the parent is a stand-in root node).
 */
export async function supplyNode(options: SupplyNodeOptions): Promise<SuppliedNode> {
	const { node, engine: current } = await nodeFor(options.node, options.parameters);
	const credentialsHelper = new TestCredentialsHelper(current.loader, credentialStore(options.credentials));
	const parent: INode = { id: randomUUID(), name: 'Root', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [0, 0], parameters: {} };
	const workflow = new Workflow({
		id: `wf-${randomUUID()}`,
		name: `Harness: ${options.node}`,
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: current.nodeTypes,
		settings: { executionOrder: 'v1' },
	});
	const workflowNode = workflow.getNode(node.name)!;
	const executionId = randomUUID();
	const hooks = new ExecutionLifecycleHooks('manual', executionId, workflowBase(workflow));
	const additionalData = additionalDataFor(credentialsHelper, executionId, hooks);
	const runExecutionData = createRunExecutionData({ executionData: { nodeExecutionStack: [] } });
	const inputData: ITaskDataConnections = { main: [[{ json: {} }]] };
	const executeData: IExecuteData = { node: parent, data: inputData, source: null };
	const connectionType = options.node === 'mistralChatModel' ? 'ai_languageModel' : 'ai_embedding';
	const context = new SupplyDataContext(
		workflow,
		workflowNode,
		additionalData,
		'manual',
		runExecutionData,
		0,
		[{ json: {} }],
		inputData,
		connectionType,
		executeData,
		[],
		undefined,
		parent,
	);
	const nodeType = current.nodeTypes.getByNameAndVersion(workflowNode.type, workflowNode.typeVersion) as INodeType;
	const logStart = logLines.length;
	const supplied = await nodeType.supplyData!.call(context, 0);
	return { response: supplied.response, runData: () => runExecutionData.resultData.runData, logs: () => logLines.slice(logStart) };
}

// ---------------------------------------------------------------------------------------------
// testCredential: what n8n's CredentialsTester does for a credential type with a `test` request
// ---------------------------------------------------------------------------------------------

/** The parts of n8n-nodes-base's No Op node the credentials tester's mock node is built from. */
const NO_OP_DESCRIPTION = {
	displayName: 'No Operation, do nothing',
	name: 'n8n-nodes-base.noOp',
	icon: 'fa:arrow-right',
	group: ['organization'],
	version: 1,
	description: 'No Operation',
	defaults: { name: 'No Operation, do nothing', color: '#b0b0b0' },
	inputs: ['main'],
	outputs: ['main'],
	properties: [],
} as unknown as INodeType['description'];

/**
 * n8n's CredentialsTester.getCredentialTestFunction (packages/cli/src/services/credentials-tester.service.ts):
 * the credential type's own `test` request wins; otherwise the first node that lists the credential
 * (the loader's supportedNodes, prefixed with the package name as n8n's LoadNodesAndCredentials does)
 * with a `testedBy` names its `methods.credentialTest` function, or gives a request to run.
 */
function credentialTestFunction(
	current: Engine,
	credentialType: ICredentialType,
): ICredentialTestFunction | { testRequest: ICredentialTestRequest } | undefined {
	if (credentialType.test) return { testRequest: credentialType.test };
	const supportedNodes = (current.loader.known.credentials[credentialType.name]?.supportedNodes ?? []).map(
		(name) => `${current.packageName}.${name}`,
	);
	for (const nodeName of supportedNodes) {
		const node = current.nodeTypes.getByName(nodeName);
		const versions = node instanceof VersionedNodeType ? Object.values(node.nodeVersions) : [node as INodeType];
		for (const nodeType of versions) {
			for (const { name, testedBy } of nodeType.description.credentials ?? []) {
				if (name !== credentialType.name || !testedBy) continue;
				if (typeof testedBy === 'string') return nodeType.methods?.credentialTest?.[testedBy];
				return { testRequest: testedBy };
			}
		}
	}
	return undefined;
}

/**
 * An ExecuteContext of n8n's real engine for a bare node that holds the test credential: for tests that
 * drive a transport piece (e.g. MistralClient) directly through n8n's authenticated HTTP helpers.
 */
export async function executeContextFor(credentials: TestCredentials): Promise<ExecuteContext> {
	const current = await engine();
	const credentialsHelper = new TestCredentialsHelper(current.loader, credentialStore(credentials));
	const node: INode = {
		id: 'transport-test',
		parameters: {},
		name: 'Transport Test',
		type: NO_OP_DESCRIPTION.name,
		typeVersion: 1,
		position: [0, 0],
		credentials: { [CREDENTIAL_TYPE]: { id: TEST_CREDENTIAL_ID, name: TEST_CREDENTIAL_NAME } },
	};
	const nodeType: INodeType = { description: { ...NO_OP_DESCRIPTION, credentials: [{ name: CREDENTIAL_TYPE, required: true }] } };
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes: mockNodeTypes({ [NO_OP_DESCRIPTION.name]: nodeType }) });
	const inputData: ITaskDataConnections = { main: [[{ json: {} }]] };
	return new ExecuteContext(
		workflow,
		node,
		additionalDataFor(credentialsHelper, undefined),
		'internal',
		createRunExecutionData({ executionData: null }),
		0,
		[],
		inputData,
		{ node, data: {}, source: null },
		[],
	);
}

export async function testCredential(credentials: TestCredentials): Promise<{ status: 'OK' | 'Error'; message: string }> {
	const current = await engine();
	const credentialsHelper = new TestCredentialsHelper(current.loader, credentialStore(credentials));
	const credentialType = current.loader.getCredential(CREDENTIAL_TYPE).type;
	const testFunction = credentialTestFunction(current, credentialType);
	if (!testFunction) return { status: 'Error', message: 'No testing function found for this credential.' };

	const logStart = logLines.length;
	const credentialsDecrypted: ICredentialsDecrypted = {
		id: TEST_CREDENTIAL_ID,
		name: TEST_CREDENTIAL_NAME,
		type: CREDENTIAL_TYPE,
		data: credentialsHelper.applyDefaults(CREDENTIAL_TYPE, credentialStore(credentials)[CREDENTIAL_TYPE]),
	};

	if (typeof testFunction === 'function') {
		// As n8n does: the node's function runs with a CredentialTestContext (helpers.request: n8n's legacy HTTP helper).
		try {
			const context = new CredentialTestContext(additionalDataFor(credentialsHelper, undefined));
			const result = await testFunction.call(context as unknown as ICredentialTestFunctions, credentialsDecrypted);
			return { status: result.status, message: result.message };
		} finally {
			lastCredentialTestLogs = logLines.slice(logStart);
		}
	}
	const testRequest = testFunction.testRequest;

	const node: INode = {
		id: 'temp',
		parameters: {},
		name: 'Temp-Node',
		type: NO_OP_DESCRIPTION.name,
		typeVersion: 1,
		position: [0, 0],
		credentials: { [CREDENTIAL_TYPE]: { id: TEST_CREDENTIAL_ID, name: TEST_CREDENTIAL_NAME } },
	};
	const nodeTypeCopy: INodeType = {
		description: {
			...NO_OP_DESCRIPTION,
			credentials: [{ name: CREDENTIAL_TYPE, required: true }],
			properties: [
				{
					displayName: 'Temp',
					name: 'temp',
					type: 'string',
					routing: { request: testRequest.request },
					default: '',
				},
			],
		},
	};
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: mockNodeTypes({ [NO_OP_DESCRIPTION.name]: nodeTypeCopy }),
	});
	const mode: WorkflowExecuteMode = 'internal';
	const inputData: ITaskDataConnections = { main: [[{ json: {} }]] };
	const runExecutionData: IRunExecutionData = createRunExecutionData({ executionData: null });
	const additionalData = additionalDataFor(credentialsHelper, undefined);
	const executeData: IExecuteData = { node, data: {}, source: null };
	const executeFunctions = new ExecuteContext(
		workflow,
		node,
		additionalData,
		mode,
		runExecutionData,
		0,
		[],
		inputData,
		executeData,
		[],
	);
	const routingNode = new RoutingNode(executeFunctions, nodeTypeCopy, credentialsDecrypted);

	let response: INodeExecutionData[][] | null | undefined;
	try {
		response = await routingNode.runNode();
	} catch (caught) {
		const error = caught as {
			message?: unknown;
			cause?: { response?: { status: number; statusText?: string }; code?: string };
		};
		Container.get(ErrorReporter).error(caught);
		if (error.cause?.response) {
			const statusCode = error.cause.response.status;
			for (const rule of testRequest.rules ?? []) {
				if (rule.type === 'responseCode' && statusCode === rule.properties.value) {
					return { status: 'Error', message: rule.properties.message };
				}
			}
			if (statusCode < 199 || statusCode > 299) {
				return {
					status: 'Error',
					message: error.cause.response.statusText || `Received HTTP status code: ${statusCode}`,
				};
			}
		} else if (error.cause?.code) {
			return { status: 'Error', message: error.cause.code };
		}
		LoggerProxy.debug('Credential test failed', { error: caught });
		return { status: 'Error', message: String(error.message) };
	} finally {
		lastCredentialTestLogs = logLines.slice(logStart);
	}

	for (const rule of testRequest.rules ?? []) {
		if (rule.type === 'responseSuccessBody') {
			const json = response?.[0]?.[0]?.json as IDataObject | undefined;
			const actual = rule.properties.key.split('.').reduce<unknown>(
				(value, key) => (value && typeof value === 'object' ? (value as IDataObject)[key] : undefined),
				json,
			);
			if (actual === rule.properties.value) return { status: 'Error', message: rule.properties.message };
		}
	}
	return { status: 'OK', message: 'Connection successful!' };
}

let lastCredentialTestLogs: string[] = [];

/** The log lines of the last testCredential() call. */
export function credentialTestLogs(): string[] {
	return [...lastCredentialTestLogs];
}

// ---------------------------------------------------------------------------------------------
// searchList: a resource locator's "From List" search, as the editor asks n8n for it
// ---------------------------------------------------------------------------------------------

export async function searchList(
	nodeName: NodeName,
	method: string,
	credentials: TestCredentials,
	filter?: string,
	parameters: INodeParameters = {},
): Promise<INodeListSearchResult> {
	const { node, engine: current } = await nodeFor(nodeName, parameters);
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: current.nodeTypes,
	});
	const workflowNode = workflow.getNode(node.name)!;
	const nodeType = current.nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
	const listSearch = nodeType.methods?.listSearch?.[method];
	if (typeof listSearch !== 'function') {
		throw new UnexpectedError(`Node type "${node.type}" has no listSearch method "${method}"`);
	}
	const credentialsHelper = new TestCredentialsHelper(current.loader, credentialStore(credentials));
	const additionalData = additionalDataFor(credentialsHelper, undefined, undefined, workflowNode.parameters);
	const context = new LoadOptionsContext(workflow, workflowNode, additionalData, 'parameters.model');
	return await listSearch.call(context, filter);
}

/** Every log line captured so far in this module registry (tests usually use RunNodeResult.logs). */
export function allLogs(): string[] {
	return [...logLines];
}

// ---------------------------------------------------------------------------------------------
// runAsAgentTool: "Mistral Chat Tool" called by an agent, through n8n-core's own tool machinery
// ---------------------------------------------------------------------------------------------

/**
 * The tool variant n8n runs when a workflow uses `<node>Tool` of a `usableAsTool` node (n8n's
 * NodeTypes.getByNameAndVersion + convertNodeToAiTool): the BASE description (at run time n8n does
 * not apply `usableAsTool.replacements`; only the editor's type list does), `Tool` appended to the
 * name and display name, no main input, one `ai_tool` output, and a "Description" parameter
 * defaulting to the node's description unless the node has its own `toolDescription`.
 * test/e2e checks a real n8n against the same expectations.
 */
export function toolVariantOf(nodeType: INodeType): INodeType {
	const original = nodeType.description;
	if (!original.usableAsTool) throw new Error(`${original.name} is not usableAsTool`);
	const description = structuredClone(original);
	description.name += 'Tool';
	description.displayName += ' Tool';
	description.inputs = [];
	description.outputs = ['ai_tool' as never];
	delete description.usableAsTool;
	if (!description.properties.some((p) => p.name === 'toolDescription')) {
		description.properties = [
			{ displayName: 'Description', name: 'toolDescription', type: 'string', default: description.description, required: true },
			...description.properties,
		];
	}
	return Object.create(nodeType, { description: { value: description } }) as INodeType;
}

export interface AgentToolCall {
	/** The tool as the agent sees it (name, description, the argument names of its schema). */
	tool: { name: string; description: string; arguments: string[] };
	/** What the tool returned to the agent (n8n's JSON text of the node's output items), or its error. */
	response?: string;
	error?: string;
}

/**
 * Runs a stand-in agent node (input `ai_tool`) that gets its tools with n8n-core's
 * getInputConnectionData (createNodeAsTool: the schema from the `$fromAI()` calls in the node's
 * parameters, the description from "Description") and invokes the one tool with `toolArgs`, as an
 * agent does with the arguments its model produced. The tool node runs in n8n-core's
 * SupplyDataContext with `[{ json: toolArgs }]` as input, as in a real agent run.
 */
export async function runAsAgentTool(options: {
	node: NodeName;
	parameters: INodeParameters;
	credentials: TestCredentials;
	toolArgs: IDataObject;
	/** The agent's input items (what a Chat Trigger gives it). */
	agentItems?: INodeExecutionData[];
}): Promise<AgentToolCall> {
	const current = await engine();
	const toolType = toolVariantOf(current.nodeTypes.getByNameAndVersion(`${current.packageName}.${options.node}`));
	const toolTypeName = `${current.packageName}.${toolType.description.name}`;
	const agentType: INodeType = {
		description: {
			displayName: 'Test Agent',
			name: 'testAgent',
			group: ['transform'],
			version: 1,
			description: 'Calls its one tool with fixed arguments',
			defaults: { name: 'Test Agent' },
			inputs: ['main', 'ai_tool'] as never,
			outputs: ['main'] as never,
			properties: [],
		},
		async execute(this) {
			const tools = (await this.getInputConnectionData('ai_tool' as never, 0)) as Array<{
				name: string;
				description: string;
				schema: { shape?: Record<string, unknown> };
				invoke(args: IDataObject): Promise<string>;
			}>;
			const tool = tools[0];
			const call: AgentToolCall = {
				tool: { name: tool.name, description: tool.description, arguments: Object.keys(tool.schema.shape ?? {}) },
			};
			try {
				call.response = await tool.invoke(options.toolArgs);
			} catch (error) {
				call.error = (error as Error).message;
			}
			return [[{ json: call as unknown as IDataObject }]];
		},
	};
	const nodeTypes: INodeTypes = {
		getByName: (name) => (name === toolTypeName ? toolType : name === 'test.agent' ? agentType : current.nodeTypes.getByName(name)),
		getByNameAndVersion: (name, version) =>
			name === toolTypeName ? toolType : name === 'test.agent' ? agentType : current.nodeTypes.getByNameAndVersion(name, version),
		getKnownTypes: () => ({}),
	};
	const toolNode: INode = {
		id: randomUUID(),
		name: 'Ask Mistral',
		type: toolTypeName,
		typeVersion: 1,
		position: [0, 200],
		parameters: structuredClone(options.parameters),
		credentials: { [CREDENTIAL_TYPE]: { id: TEST_CREDENTIAL_ID, name: TEST_CREDENTIAL_NAME } },
	};
	const agentNode: INode = { id: randomUUID(), name: 'Agent', type: 'test.agent', typeVersion: 1, position: [0, 0], parameters: {} };
	const workflow = new Workflow({
		id: `wf-${randomUUID()}`,
		name: 'Harness: agent tool',
		nodes: [agentNode, toolNode],
		connections: { [toolNode.name]: { ai_tool: [[{ node: agentNode.name, type: 'ai_tool' as never, index: 0 }]] } },
		active: false,
		nodeTypes,
		settings: { executionOrder: 'v1' },
	});
	const credentialsHelper = new TestCredentialsHelper(current.loader, credentialStore(options.credentials));
	const executionId = randomUUID();
	const hooks = new ExecutionLifecycleHooks('manual', executionId, workflowBase(workflow));
	const additionalData = additionalDataFor(credentialsHelper, executionId, hooks);
	const runExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [
				{ node: workflow.getNode(agentNode.name)!, data: { main: [structuredClone(options.agentItems ?? [{ json: { chatInput: 'hello' } }])] }, source: null },
			],
		},
	});
	const run = await new WorkflowExecute(additionalData, 'manual', runExecutionData).processRunExecutionData(workflow);
	const agentRun = run.data.resultData.runData[agentNode.name]?.[0];
	const result = agentRun?.data?.main?.[0]?.[0]?.json as unknown as AgentToolCall | undefined;
	if (!result) throw new Error(`the agent did not run: ${String((agentRun?.error ?? run.data.resultData.error)?.message)}`);
	return result;
}
