import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { checkedChoice, checkedNumber, editorBounds } from '../optionRanges';
import { jobMetadata } from './jobs';

export type BatchMode = 'wait' | 'submit' | 'collect';

export const DEFAULT_REFERENCE_FIELD = 'mistralBatch';

/** The "Processing" choice and the batch settings both nodes show (placed right after the model). */
export function processingProperties(unit: string): INodeProperties[] {
	return [
		{
			displayName: 'Processing',
			name: 'processing',
			type: 'options',
			default: 'realtime',
			description: `How the ${unit} are sent to Mistral`,
			// An AI Agent waits for the tool's answer: the tool variant ("@tool") always runs in realtime.
			displayOptions: { hide: { '@tool': [true] } },
			options: [
				{ name: 'Realtime', value: 'realtime', description: 'Answers at once, at the normal price, within your rate limits' },
				{
					name: 'Batch API (50% Cheaper, Results in Minutes to Hours)',
					value: 'batch',
					description: 'Mistral runs the same requests as a batch job at half the price, without rate limits',
				},
			],
		},
		{
			displayName: 'Batch Mode',
			name: 'batchMode',
			type: 'options',
			default: 'wait',
			description: 'Whether this node waits for the batch job, or submits it and leaves collecting to a later node',
			displayOptions: { show: { processing: ['batch'] } },
			options: [
				{
					name: 'Submit and Wait for Results',
					value: 'wait',
					description: 'Submit, check progress with growing pauses, and output the results when the job ends',
				},
				{
					name: 'Submit Only',
					value: 'submit',
					description: 'Output each item with its batch job reference at once; collect later with a second node in "Collect Results" mode',
				},
				{
					name: 'Collect Results',
					value: 'collect',
					description: 'Read the job references that a "Submit Only" node added to the items and output their results',
				},
			],
		},
		{
			displayName: 'Max Wait (Minutes)',
			name: 'maxWaitMinutes',
			type: 'number',
			typeOptions: editorBounds('maxWaitMinutes'),
			default: 60,
			description:
				'How long the node waits for unfinished jobs (0 to 10,080: a week). In "Submit and Wait" mode, jobs still running then are cancelled; in "Collect Results" mode they keep running and can be collected later.',
			displayOptions: { show: { processing: ['batch'], batchMode: ['wait', 'collect'] } },
		},
		{
			displayName: 'Job Timeout (Hours)',
			name: 'jobTimeoutHours',
			type: 'number',
			typeOptions: editorBounds('jobTimeoutHours'),
			default: 24,
			description: 'Mistral stops a job that has not finished after this many hours (1 to 168)',
			displayOptions: { show: { processing: ['batch'], batchMode: ['wait', 'submit'] } },
		},
		{
			displayName: 'Batch Reference Field',
			name: 'batchReferenceField',
			type: 'string',
			default: DEFAULT_REFERENCE_FIELD,
			description: 'Name of the item field that carries the batch job reference from the "Submit Only" node to the "Collect Results" node',
			displayOptions: { show: { processing: ['batch'], batchMode: ['submit', 'collect'] } },
		},
	];
}

export interface BatchSettings {
	mode: BatchMode;
	maxWaitMs: number;
	timeoutHours: number;
	referenceField: string;
}

export function isBatchProcessing(context: IExecuteFunctions): boolean {
	if (context.getNode().type.endsWith('Tool')) return false;
	return checkedChoice('processing', context.getNodeParameter('processing', 0, 'realtime'), 'realtime') === 'batch';
}

/** The batch settings, checked against the option table (throws OptionValueError naming the option). */
export function readBatchSettings(context: IExecuteFunctions): BatchSettings {
	const mode = checkedChoice<BatchMode>('batchMode', context.getNodeParameter('batchMode', 0, 'wait'), 'wait');
	const minutes = checkedNumber('maxWaitMinutes', context.getNodeParameter('maxWaitMinutes', 0, 60), 60);
	const hours = checkedNumber('jobTimeoutHours', context.getNodeParameter('jobTimeoutHours', 0, 24), 24);
	const field = String(context.getNodeParameter('batchReferenceField', 0, DEFAULT_REFERENCE_FIELD) ?? '').trim();
	return { mode, maxWaitMs: minutes * 60_000, timeoutHours: hours, referenceField: field || DEFAULT_REFERENCE_FIELD };
}

/** Job metadata from the workflow's names and ids only: nothing from the credential. */
export function metadataFor(context: IExecuteFunctions): Record<string, string> {
	const workflow = context.getWorkflow();
	return jobMetadata({
		source: 'n8n-nodes-mistral',
		n8n_workflow: workflow.name ?? workflow.id,
		n8n_node: context.getNode().name,
		n8n_execution: context.getExecutionId(),
	});
}

/** Drops the reference field from an item's fields, so collected items look like realtime ones. */
export function withoutReference(json: IDataObject, field: string): IDataObject {
	if (!(field in json)) return json;
	const copy = { ...json };
	delete copy[field];
	return copy;
}
