/**
 * Mistral Audio → Transcribe in batch mode. A batch line is JSON, so a recording goes by URL, or (a
 * binary file) is first uploaded to the Files API with purpose "audio" and named by its file_id;
 * those uploads are deleted once the results are in. Results are matched to items by custom_id.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { type AudioSource, readTranscript, transcriptionBatchBody } from '../../shared/audio/transcription';
import { newBatchRunner, submitAndReference } from '../../shared/batch/newBatchRunner';
import { planItemJobs } from '../../shared/batch/jobs';
import { metadataFor, readBatchSettings } from '../../shared/batch/parameters';
import { type BatchReference, collectJobs, collectReferencedJobs, partAnswer, referencedItem, referencedOutcomes, submittedRequests } from '../../shared/batch/results';
import { readTransportOptions } from '../../shared/commonOptions';
import { deleteUploads, executionFiles } from '../../shared/files/glue';
import { collectOutput, type ItemOutcomes, settle, stopError } from '../../shared/itemResults';
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
	const files = executionFiles(this, readTransportOptions(transcribeOptions(this, 0), DEFAULT_AUDIO_CONCURRENCY, DEFAULT_AUDIO_TIMEOUT_S));
	const continueOnFail = this.continueOnFail();
	const keepInput = keepsInputFields(this);
	const outcomes: ItemOutcomes = new Array(items.length);
	// In "Submit Only" mode the uploads must outlive this node: the collecting node deletes them.
	let keepUploads = false;

	const output = (itemIndex: number, body: unknown, source: AudioSource, fileName: unknown, inputJson: IDataObject) => {
		const item = transcriptItem(readTranscript(body), source, keepInput(itemIndex) ? inputJson : undefined, itemIndex);
		if (typeof fileName === 'string') item.json.fileName = fileName;
		if (items[itemIndex].binary) item.binary = items[itemIndex].binary;
		return [item];
	};

	try {
		if (settings.mode === 'collect') {
			const collected = await collectReferencedJobs(this, runner, { ...settings, endpoints: ['/v1/audio/transcriptions'] });
			for (const reference of collected.references) {
				if (typeof reference?.uploadedFileId === 'string') files.uploads.track({ id: reference.uploadedFileId, bytes: 0, filename: '', purpose: 'audio' });
			}
			const collectedOutcomes = await referencedOutcomes(this, collected, settings.referenceField, (answer, itemIndex, input) =>
				settle(() => output(itemIndex, answer.body, describedSource(answer.reference), answer.reference.fileName, input)),
			);
			return [collectOutput(this, collectedOutcomes, keepInput)];
		}

		// Every item checked (and its binary uploaded) before any job is submitted.
		const requests: PlannedRequest[] = [];
		for (const itemIndex of items.keys()) {
			try {
				const transcription = readSettings(this, itemIndex);
				const source = await readSource(this, itemIndex);
				let uploadedFileId: string | undefined;
				if (source.kind === 'bytes') {
					uploadedFileId = files.uploads.track(await files.files.upload(source.data, source.fileName, source.type.mimeType, 'audio', itemIndex)).id;
				}
				const body = transcriptionBatchBody(transcription, uploadedFileId ? { kind: 'fileId', fileId: uploadedFileId } : source) as IDataObject;
				requests.push({ itemIndex, model: transcription.model, body, source, uploadedFileId });
			} catch (error) {
				const failure = problem(this, error, itemIndex);
				if (!continueOnFail) throw stopError(this, failure, itemIndex);
				outcomes[itemIndex] = { ok: false, error: failure };
			}
		}

		const jobs = planItemJobs(requests);
		const submitted = await submitAndReference(runner, '/v1/audio/transcriptions', jobs, metadataFor(this), settings.timeoutHours);
		this.logger.info(`${LABEL}: ${requests.length} recording(s) in ${submitted.length} batch job(s), ${files.uploads.count} uploaded`);

		if (settings.mode === 'submit') {
			keepUploads = true;
			const jobIds = submitted.map((job) => job.id);
			for (const { request, part } of submittedRequests(jobs, submitted)) {
				const reference: BatchReference = { jobIds, parts: [part], model: request.model };
				if (request.source.kind === 'url') reference.audioUrl = request.source.url;
				if (request.source.kind === 'bytes') reference.fileName = request.source.fileName;
				if (request.uploadedFileId) reference.uploadedFileId = request.uploadedFileId;
				outcomes[request.itemIndex] = { ok: true, value: referencedItem(items[request.itemIndex], request.itemIndex, settings.referenceField, reference) };
			}
			return [collectOutput(this, outcomes, keepInput)];
		}

		const results = await collectJobs(runner, submitted.map((job) => job.id), { maxWaitMs: settings.maxWaitMs, cancelOnGiveUp: true });
		for (const { request, part } of submittedRequests(jobs, submitted)) {
			const answer = partAnswer(this, results, part, request.itemIndex, request.model);
			outcomes[request.itemIndex] = answer.ok ? settle(() => output(request.itemIndex, answer.body, request.source, undefined, items[request.itemIndex].json)) : answer;
		}
		this.logger.debug(`${LABEL} (batch): ${items.length} item(s), ${runner.describeStats()}`);
		return [collectOutput(this, outcomes, keepInput)];
	} finally {
		if (!keepUploads) await deleteUploads(this, files, LABEL);
	}
}
