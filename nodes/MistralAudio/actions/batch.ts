/**
 * Mistral Audio → Transcribe in batch mode. A batch line is JSON, so a recording goes by URL, or (a
 * binary file) is first uploaded to the Files API with purpose "audio" and named by its file_id;
 * those uploads are deleted once the results are in. Results are matched to items by custom_id.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { type AudioSource, readTranscript, transcriptionBatchBody } from '../../shared/audio/transcription';
import { newBatchRunner, submitAndReference } from '../../shared/batch/newBatchRunner';
import { planJobs } from '../../shared/batch/jobs';
import { metadataFor, readBatchSettings, withoutReference } from '../../shared/batch/parameters';
import { type BatchReference, collectJobs, readReference, requestFailure } from '../../shared/batch/results';
import { readTransportOptions } from '../../shared/commonOptions';
import { FilesApi } from '../../shared/files/filesApi';
import { collectOutput, type ItemOutcomes, settle, stopError } from '../../shared/itemResults';
import { MistralClient } from '../../shared/transport/client';
import { DEFAULT_AUDIO_CONCURRENCY, DEFAULT_AUDIO_TIMEOUT_S } from '../description';
import { keepsInputFields, problem, readSettings, readSource, transcribeOptions, transcriptItem } from './transcribe';

interface PlannedRequest {
	itemIndex: number;
	model: string;
	body: IDataObject;
	source: AudioSource;
	uploadedFileId?: string;
}

const LABEL = 'Mistral Audio';

/** What the output says about where the audio came from (the uploaded copy is an implementation detail). */
function describedSource(reference: IDataObject): AudioSource {
	if (typeof reference.audioUrl === 'string') return { kind: 'url', url: reference.audioUrl };
	return { kind: 'fileId', fileId: String(reference.uploadedFileId ?? '') };
}

export async function executeTranscribeBatch(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const settings = readBatchSettings(this);
	const runner = newBatchRunner(this, LABEL);
	const files = new FilesApi(new MistralClient(this, readTransportOptions(transcribeOptions(this, 0), DEFAULT_AUDIO_CONCURRENCY, DEFAULT_AUDIO_TIMEOUT_S)));
	const continueOnFail = this.continueOnFail();
	const keepInput = keepsInputFields(this);
	const outcomes: ItemOutcomes = new Array(items.length);

	const output = (itemIndex: number, body: unknown, source: AudioSource, fileName: unknown, inputJson: IDataObject) => {
		const item = transcriptItem(readTranscript(body), source, keepInput(itemIndex) ? inputJson : undefined, itemIndex);
		if (typeof fileName === 'string') item.json.fileName = fileName;
		if (items[itemIndex].binary) item.binary = items[itemIndex].binary;
		return [item];
	};
	// Best effort: a file left behind expires on Mistral's side; each failure is logged with its id.
	const cleanUp = async (fileIds: string[]) => {
		for (const id of fileIds) {
			try {
				await files.delete(id);
			} catch (error) {
				this.logger.warn(`${LABEL}: could not delete uploaded audio ${id}: ${(error as Error).message}`);
			}
		}
	};

	if (settings.mode === 'collect') {
		const references = items.map((item) => readReference(item.json, settings.referenceField));
		const firstBad = references.findIndex((reference) => typeof reference === 'string');
		if (firstBad !== -1 && !continueOnFail) {
			throw stopError(this, new NodeOperationError(this.getNode(), references[firstBad] as string, { itemIndex: firstBad }), firstBad);
		}
		const jobIds = [...new Set(references.flatMap((reference) => (typeof reference === 'string' ? [] : reference.jobIds)))];
		const results = await collectJobs(runner, jobIds, { maxWaitMs: settings.maxWaitMs, cancelOnGiveUp: false });
		references.forEach((reference, itemIndex) => {
			if (typeof reference === 'string') {
				outcomes[itemIndex] = { ok: false, error: new NodeOperationError(this.getNode(), reference, { itemIndex }) };
				return;
			}
			const part = reference.parts[0];
			const input = withoutReference(items[itemIndex].json, settings.referenceField);
			outcomes[itemIndex] = settle(() => {
				const result = results.get(part);
				if (!result.ok) throw requestFailure(this, result, part, itemIndex, typeof reference.model === 'string' ? reference.model : undefined);
				return output(itemIndex, result.body, describedSource(reference), reference.fileName, input);
			});
		});
		await cleanUp(references.flatMap((reference) => (typeof reference !== 'string' && typeof reference.uploadedFileId === 'string' ? [reference.uploadedFileId] : [])));
		return [collectOutput(this, outcomes, keepInput)];
	}

	// Every item checked (and its binary uploaded) before any job is submitted.
	const requests: PlannedRequest[] = [];
	for (const itemIndex of items.keys()) {
		try {
			const transcription = readSettings(this, itemIndex);
			const source = await readSource(this, itemIndex);
			let uploadedFileId: string | undefined;
			if (source.kind === 'bytes') uploadedFileId = (await files.upload(source.data, source.fileName, source.type.mimeType, 'audio', itemIndex)).id;
			const body = transcriptionBatchBody(transcription, uploadedFileId ? { kind: 'fileId', fileId: uploadedFileId } : source) as IDataObject;
			requests.push({ itemIndex, model: transcription.model, body, source, uploadedFileId });
		} catch (error) {
			const failure = problem(this, error, itemIndex);
			if (!continueOnFail) {
				await cleanUp(requests.flatMap((request) => (request.uploadedFileId ? [request.uploadedFileId] : [])));
				throw stopError(this, failure, itemIndex);
			}
			outcomes[itemIndex] = { ok: false, error: failure };
		}
	}
	const uploads = requests.flatMap((request) => (request.uploadedFileId ? [request.uploadedFileId] : []));

	const jobs = planJobs(requests).map((job) => ({
		model: job.model,
		requests: job.requests.map((request) => ({ custom_id: String(request.itemIndex), body: request.body })),
		items: job.requests,
	}));
	let submitted;
	try {
		submitted = await submitAndReference(runner, '/v1/audio/transcriptions', jobs, metadataFor(this), settings.timeoutHours);
	} catch (error) {
		await cleanUp(uploads);
		throw error as Error;
	}
	this.logger.info(`${LABEL}: ${requests.length} recording(s) in ${submitted.length} batch job(s), ${uploads.length} uploaded`);

	if (settings.mode === 'submit') {
		const jobIds = submitted.map((job) => job.id);
		jobs.forEach((job, jobIndex) => {
			for (const request of job.items) {
				const reference: BatchReference = {
					jobIds,
					parts: [{ jobId: submitted[jobIndex].id, customId: String(request.itemIndex) }],
					model: request.model,
				};
				if (request.source.kind === 'url') reference.audioUrl = request.source.url;
				if (request.source.kind === 'bytes') reference.fileName = request.source.fileName;
				if (request.uploadedFileId) reference.uploadedFileId = request.uploadedFileId;
				outcomes[request.itemIndex] = {
					ok: true,
					value: [{ json: { ...items[request.itemIndex].json, [settings.referenceField]: reference }, pairedItem: { item: request.itemIndex } }],
				};
			}
		});
		return [collectOutput(this, outcomes, keepInput)];
	}

	let results;
	try {
		results = await collectJobs(runner, submitted.map((job) => job.id), { maxWaitMs: settings.maxWaitMs, cancelOnGiveUp: true });
	} finally {
		await cleanUp(uploads);
	}
	jobs.forEach((job, jobIndex) => {
		for (const request of job.items) {
			const part = { jobId: submitted[jobIndex].id, customId: String(request.itemIndex) };
			outcomes[request.itemIndex] = settle(() => {
				const result = results.get(part);
				if (!result.ok) throw requestFailure(this, result, part, request.itemIndex, request.model);
				return output(request.itemIndex, result.body, request.source, undefined, items[request.itemIndex].json);
			});
		}
	});
	this.logger.debug(`${LABEL} (batch): ${items.length} item(s), ${runner.describeStats()}`);
	return [collectOutput(this, outcomes, keepInput)];
}
