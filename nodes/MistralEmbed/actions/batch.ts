/**
 * Mistral Embed in batch mode: the texts packed into token-aware requests exactly as in realtime
 * (packForBatch + embeddingsRequestBody), each request one line of a batch job (custom_id = its position), so
 * one job of 10,000 requests carries far more than 10,000 texts. Vectors go back to their items by
 * custom_id and by `data[].index` inside each answer.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { planJobs, type RequestResult } from '../../shared/batch/jobs';
import { newBatchRunner, reportBatchRun, submitAndReference } from '../../shared/batch/newBatchRunner';
import { metadataFor, readBatchSettings, withoutReference } from '../../shared/batch/parameters';
import { type BatchPart, type BatchReference, collectJobs, collectReferencedJobs, type JobResults, requestFailure } from '../../shared/batch/results';
import type { BatchRunner, WaitSettings } from '../../shared/batch/runner';
import type { EmbedSlot } from '../../shared/embeddings/inputs';
import { countExactly } from '../../shared/embeddings/tokenCounts';
import { embeddingsRequestBody, type EmbedSettings, withoutBatchPosition } from '../../shared/embeddings/settings';
import { type Dtype, UNUSABLE_ANSWER_FIX, vectorsByIndex } from '../../shared/embeddings/vectors';
import { collectOutput, itemError, type ItemOutcomes } from '../../shared/itemResults';
import { halve, packForBatch } from '../../shared/packing/batching';
import { TokenCalibration } from '../../shared/packing/calibration';
import { blamesAnInput } from '../../shared/packing/sendPacked';
import { parseErrorBody } from '../../shared/transport/errorMessages';
import type { FailureInfo } from '../../shared/transport/failureInfo';
import { embedItemOutcomes, readEmbedSettings, readItemInputs, type SlotResult, slotsOf } from './items';

const isDtype = (value: unknown): value is Dtype => ['float', 'int8', 'uint8', 'binary', 'ubinary'].includes(value as string);

export async function executeEmbedBatch(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const options = (this.getNodeParameter('options', 0, {}) as IDataObject) ?? {};
	const batch = readBatchSettings(this);
	const { settings, limits } = readEmbedSettings(this, options);
	const runner = newBatchRunner(this, 'Mistral Embed');
	const field = batch.referenceField;
	const keepInput = this.getNodeParameter('includeInputFields', 0, true) as boolean;

	const inputs = readItemInputs(this, items);

	if (batch.mode === 'collect') {
		const collected = await collectReferencedJobs(this, runner, { ...batch, endpoints: ['/v1/embeddings'] }, (reference, itemIndex) => {
			const texts = slotsOf(inputs[itemIndex]).length;
			if (inputs[itemIndex].kind !== 'invalid' && texts !== reference.parts.length) {
				return `The item has ${texts} text(s) to embed but its "${field}" reference has ${reference.parts.length}: "Text" must read the same field as in the "Submit Only" node`;
			}
			return undefined;
		});
		const { references, problems } = collected;
		const wait = { maxWaitMs: batch.maxWaitMs, cancelOnGiveUp: false };
		let results = collected.results;
		const slotResults = new Map<EmbedSlot, SlotResult>();
		const partOf = new Map<EmbedSlot, BatchPart>();
		const dtypes = new Map<EmbedSlot, Dtype>();
		references.forEach((reference, itemIndex) => {
			if (!reference) return;
			const dtype = isDtype(reference.dtype) ? reference.dtype : settings.dtype;
			slotsOf(inputs[itemIndex]).forEach((slot, position) => {
				partOf.set(slot, reference.parts[position]);
				dtypes.set(slot, dtype);
			});
		});
		// Follow-up requests must be made like the submitted ones, whatever this node's own options say.
		const first = references.find((reference) => reference !== undefined);
		const submittedAs: EmbedSettings = first
			? {
					model: typeof first.model === 'string' ? first.model : settings.model,
					dtype: isDtype(first.dtype) ? first.dtype : settings.dtype,
					base64: typeof first.base64 === 'boolean' ? first.base64 : settings.base64,
					outputDimension: typeof first.outputDimension === 'number' ? first.outputDimension : undefined,
				}
			: settings;
		results = await splitRejected(this, runner, results, partOf, submittedAs, batch.timeoutHours, wait);
		fillSlotResults(this, results, partOf, (slot) => dtypes.get(slot) ?? settings.dtype, settings.model, slotResults);
		const outcomes: ItemOutcomes = embedItemOutcomes(this, inputs, slotResults, settings.model, options, (itemIndex) =>
			withoutReference(items[itemIndex].json, field),
		);
		problems.forEach((problem, itemIndex) => {
			if (problem) outcomes[itemIndex] = { ok: false, error: itemError(this.getNode(), problem, itemIndex) };
		});
		reportBatchRun(this, runner, 'collect', outcomes, (itemIndex) => partOf.get(slotsOf(inputs[itemIndex])[0])?.jobId);
		return [collectOutput(this, outcomes, () => keepInput)];
	}

	// The same packing and the same bodies as realtime; one batch request per packed request.
	const slots = inputs.flatMap(slotsOf);
	// The calibration's prior per shape: a job learns nothing before it is submitted.
	const exactCounts = countExactly(slots, settings.model);
	const packs = packForBatch(slots, { ...limits, tokensOf: new TokenCalibration(limits.maxTokens, { exactCounts }).tokensOf });
	const partOf = new Map<EmbedSlot, BatchPart>();
	const jobs = planEmbedJobs(packs.map((pack, packIndex) => ({ pack, customId: String(packIndex) })), settings);
	const submitted = await submitAndReference(runner, '/v1/embeddings', jobs, metadataFor(this), batch.timeoutHours);
	recordParts(jobs, submitted, partOf);
	this.logger.info(`Mistral Embed: ${slots.length} text(s) in ${packs.length} request(s), ${submitted.length} batch job(s)`);

	if (batch.mode === 'submit') {
		const jobIds = submitted.map((job) => job.id);
		const outcomes: ItemOutcomes = inputs.map((input, itemIndex) => {
			if (input.kind === 'invalid') return { ok: false, error: itemError(this.getNode(), input.message, itemIndex) };
			const reference: BatchReference = {
				jobIds,
				parts: slotsOf(input).map((slot) => partOf.get(slot)!),
				model: settings.model,
				dtype: settings.dtype,
				base64: settings.base64,
			};
			if (settings.outputDimension !== undefined) reference.outputDimension = settings.outputDimension;
			return { ok: true, value: [{ json: { ...items[itemIndex].json, [field]: reference }, pairedItem: { item: itemIndex } }] };
		});
		reportBatchRun(this, runner, 'submit', outcomes, () => undefined);
		return [collectOutput(this, outcomes, () => keepInput)];
	}

	const wait = { maxWaitMs: batch.maxWaitMs, cancelOnGiveUp: true };
	let results = await collectJobs(
		runner,
		submitted.map((job) => job.id),
		wait,
	);
	results = await splitRejected(this, runner, results, partOf, settings, batch.timeoutHours, wait);
	const slotResults = new Map<EmbedSlot, SlotResult>();
	fillSlotResults(this, results, partOf, () => settings.dtype, settings.model, slotResults);
	this.logger.debug(`Mistral Embed (batch): ${slots.length} text(s) in ${packs.length} request(s), ${runner.describeStats()}`);
	const outcomes = embedItemOutcomes(this, inputs, slotResults, settings.model, options, (itemIndex) => items[itemIndex].json);
	// The job of the item's first text (after any follow-up job that retried it).
	reportBatchRun(this, runner, 'wait', outcomes, (itemIndex) => partOf.get(slotsOf(inputs[itemIndex])[0])?.jobId);
	return [collectOutput(this, outcomes, () => keepInput)];
}

/** The texts of each request (job and custom_id), in their order in it. */
function byRequest(partOf: Map<EmbedSlot, BatchPart>): Array<Array<[EmbedSlot, BatchPart]>> {
	const groups = new Map<string, Array<[EmbedSlot, BatchPart]>>();
	for (const [slot, part] of partOf) {
		const key = `${part.jobId}\u0000${part.customId}`;
		const list = groups.get(key);
		if (list) list.push([slot, part]);
		else groups.set(key, [[slot, part]]);
	}
	return [...groups.values()].map((entries) => entries.sort((a, b) => (a[1].index ?? 0) - (b[1].index ?? 0)));
}

/** A failed line of a job's results, read as the transport reads a failed realtime request. */
function failureOf(result: Extract<RequestResult, { ok: false }>): FailureInfo {
	const parsed = parseErrorBody(result.body);
	return {
		kind: 'http',
		status: result.status,
		type: parsed.type,
		code: parsed.code,
		message: parsed.message ?? result.message,
		fields: parsed.fieldErrors.map((fieldError) => fieldError.field),
	};
}

interface EmbedPack {
	pack: EmbedSlot[];
	customId: string;
}

/** Packs as batch-job lines, grouped into jobs by planJobs; each line's body built as in realtime. */
function planEmbedJobs(packs: EmbedPack[], settings: EmbedSettings) {
	return planJobs(packs.map((entry) => ({ model: settings.model, ...entry }))).map((job) => ({
		model: job.model,
		requests: job.requests.map((request) => ({ custom_id: request.customId, body: embeddingsRequestBody(settings, request.pack.map((slot) => slot.text)) })),
		packs: job.requests,
	}));
}

/** Where each text went: its job, its request's custom_id and its position in that request. */
function recordParts(jobs: Array<{ packs: EmbedPack[] }>, submitted: Array<{ id: string }>, partOf: Map<EmbedSlot, BatchPart>): void {
	jobs.forEach((job, jobIndex) => {
		for (const { pack, customId } of job.packs) {
			pack.forEach((slot, index) => partOf.set(slot, { jobId: submitted[jobIndex].id, customId, index, size: pack.length }));
		}
	});
}

/**
 * Realtime's bisection, in jobs: a request Mistral rejected because of one of its texts is split in
 * halves, sent again as a follow-up job, and so on until the text it blames stands alone; the others
 * get their vectors. Each round waits for its job like the first one did. At most 16 rounds, and
 * none after a round of FRUITLESS_ROUND or more halves that were all refused.
 */
async function splitRejected(
	context: IExecuteFunctions,
	runner: BatchRunner,
	results: JobResults,
	partOf: Map<EmbedSlot, BatchPart>,
	settings: EmbedSettings,
	timeoutHours: number,
	wait: WaitSettings,
): Promise<JobResults> {
	for (let round = 1; round <= 16; round++) {
		const halves: EmbedSlot[][] = [];
		for (const entries of byRequest(partOf)) {
			const part = entries[0][1];
			// Only whole requests: a collecting node may hold some of a request's items only.
			if (entries.length < 2 || entries.length !== (part.size ?? entries.length)) continue;
			const result = results.get(part);
			if (result.ok || !blamesAnInput(failureOf(result))) continue;
			halves.push(...halve(entries.map(([slot]) => slot)));
		}
		if (halves.length === 0) return results;
		context.logger.info(`Mistral Embed: ${halves.length / 2} request(s) rejected for one of their texts; sending their halves again in a follow-up job`);
		const jobs = planEmbedJobs(halves.map((pack, index) => ({ pack, customId: `split-${round}-${index}` })), settings);
		const submitted = await runner.submit('/v1/embeddings', jobs, { ...metadataFor(context), follow_up: String(round) }, timeoutHours);
		recordParts(jobs, submitted, partOf);
		const roundResults = await collectJobs(runner, submitted.map((job) => job.id), wait);
		results = results.with(roundResults);
		// A round of several halves none of which was accepted: the server refuses these texts (or every
		// request), and halving again would only send more jobs. Their requests fail as they are.
		const accepted = jobs.some((job, jobIndex) => job.packs.some(({ customId }) => roundResults.get({ jobId: submitted[jobIndex].id, customId }).ok));
		if (!accepted && halves.length >= FRUITLESS_ROUND) return results;
	}
	return results;
}

/** Follow-up requests in one round, all refused, that end the splitting (see splitRejected). */
const FRUITLESS_ROUND = 4;

/** Decodes each request's answer once and gives every text its vector, or its request's error. */
function fillSlotResults(
	context: IExecuteFunctions,
	results: JobResults,
	partOf: Map<EmbedSlot, BatchPart>,
	dtypeOf: (slot: EmbedSlot) => Dtype,
	model: string,
	into: Map<EmbedSlot, SlotResult>,
): void {
	for (const entries of byRequest(partOf)) {
		const [firstSlot, part] = entries[0];
		const result = results.get(part);
		if (!result.ok) {
			const error = requestFailure(context, result, part, firstSlot.itemIndex, model);
			for (const [slot] of entries) {
				into.set(slot, { error: entries.length === 1 ? withoutBatchPosition(error) : withItem(context, error, slot.itemIndex) });
			}
			continue;
		}
		const count = part.size ?? Math.max(...entries.map(([, entry]) => (entry.index ?? 0) + 1));
		let vectors: number[][];
		try {
			vectors = vectorsByIndex(result.body, count, dtypeOf(firstSlot));
		} catch (error) {
			for (const [slot] of entries) into.set(slot, { error: itemError(context.getNode(), error, slot.itemIndex, UNUSABLE_ANSWER_FIX) });
			continue;
		}
		const usage = (result.body as { usage?: IDataObject }).usage;
		for (const [slot, entry] of entries) into.set(slot, { vector: vectors[entry.index ?? 0], usage });
	}
}

/** The same request error, as each of the items in that request. */
function withItem(context: IExecuteFunctions, error: NodeOperationError, itemIndex: number): NodeOperationError {
	const copy = new NodeOperationError(context.getNode(), error.message, { itemIndex, description: error.description ?? undefined });
	const httpCode = (error as { httpCode?: string }).httpCode;
	if (httpCode) Object.assign(copy, { httpCode });
	return copy;
}
