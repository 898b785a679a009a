/**
 * Annotation schemas for Mistral Document AI (`document_annotation_format`, `bbox_annotation_format`):
 * the ready ones users start from, the check of a user's schema before anything is sent, and the
 * reading of the JSON text Mistral answers with. Pure.
 */

import { InputError } from '../errors';

export type JsonObject = Record<string, unknown>;

const money = (description: string) => ({ type: 'number', description });
const text = (description: string) => ({ type: 'string', description });

/** Ready document schemas (JSON Schema objects), shown as editable JSON in the node. */
export const DOCUMENT_SCHEMAS: Record<'invoice' | 'receipt' | 'idDocument' | 'contract', { name: string; schema: JsonObject }> = {
	invoice: {
		name: 'invoice',
		schema: {
			type: 'object',
			properties: {
				invoice_number: text('The invoice number as printed'),
				invoice_date: text('Issue date, YYYY-MM-DD'),
				due_date: text('Payment due date, YYYY-MM-DD, if stated'),
				seller_name: text('Name of the company that issued the invoice'),
				seller_vat_id: text('VAT or tax ID of the seller, if stated'),
				buyer_name: text('Name of the customer billed'),
				currency: text('ISO 4217 currency code, e.g. EUR'),
				subtotal: money('Total before tax'),
				tax_amount: money('Total tax'),
				total: money('Amount due, tax included'),
				line_items: {
					type: 'array',
					items: {
						type: 'object',
						properties: {
							description: text('What was sold'),
							quantity: money('Quantity'),
							unit_price: money('Price of one unit'),
							amount: money('Line total'),
						},
						required: ['description', 'amount'],
					},
				},
			},
			required: ['invoice_number', 'invoice_date', 'seller_name', 'total', 'currency'],
		},
	},
	receipt: {
		name: 'receipt',
		schema: {
			type: 'object',
			properties: {
				merchant_name: text('Shop or restaurant name'),
				merchant_address: text('Address as printed'),
				date: text('Purchase date, YYYY-MM-DD'),
				time: text('Purchase time, HH:MM, if printed'),
				currency: text('ISO 4217 currency code'),
				total: money('Total paid'),
				tax_amount: money('Tax included, if printed'),
				payment_method: text('Cash, card, …'),
				items: {
					type: 'array',
					items: { type: 'object', properties: { name: text('Item'), quantity: money('Quantity'), price: money('Price paid') }, required: ['name', 'price'] },
				},
			},
			required: ['merchant_name', 'date', 'total'],
		},
	},
	idDocument: {
		name: 'id_document',
		schema: {
			type: 'object',
			properties: {
				document_type: text('Passport, national ID card, driving licence, residence permit, …'),
				issuing_country: text('ISO 3166 alpha-3 code of the issuing country'),
				document_number: text('The document number'),
				surname: text('Surname(s) as printed'),
				given_names: text('Given name(s) as printed'),
				date_of_birth: text('YYYY-MM-DD'),
				nationality: text('Nationality as printed'),
				sex: text('As printed'),
				date_of_issue: text('YYYY-MM-DD, if printed'),
				date_of_expiry: text('YYYY-MM-DD'),
				machine_readable_zone: text('The MRZ lines, if present'),
			},
			required: ['document_type', 'document_number', 'surname', 'given_names', 'date_of_expiry'],
		},
	},
	contract: {
		name: 'contract',
		schema: {
			type: 'object',
			properties: {
				title: text('Title of the contract'),
				parties: { type: 'array', items: { type: 'object', properties: { name: text('Party name'), role: text('Role, e.g. supplier, customer, employer') }, required: ['name'] } },
				effective_date: text('YYYY-MM-DD'),
				end_date: text('YYYY-MM-DD, if fixed'),
				term: text('Duration and renewal terms'),
				governing_law: text('Jurisdiction whose law governs the contract'),
				payment_terms: text('Amounts and payment schedule'),
				termination_notice: text('Notice period to terminate'),
				signatories: { type: 'array', items: text('Name of a person who signed') },
			},
			required: ['title', 'parties', 'effective_date'],
		},
	},
};

/** The annotation JSON schema a user typed or mapped: a JSON text or an object, holding a JSON Schema object. */
export function readSchema(raw: unknown, field: string): JsonObject {
	let value = raw;
	if (typeof value === 'string') {
		if (value.trim() === '') throw new InputError(`"${field}" is empty. Enter a JSON Schema such as {"type": "object", "properties": {"total": {"type": "number"}}}`);
		const parsed = tryJson(value);
		if (!parsed.ok) throw new InputError(`"${field}" is not valid JSON (${parsed.message}). Fix the JSON, e.g. quotes around every property name`);
		value = parsed.value;
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new InputError(`"${field}" must be a JSON Schema object such as {"type": "object", "properties": {...}}`);
	}
	const schema = value as JsonObject;
	// Mistral's own form ({name, schema}) pasted as is: take the schema inside.
	if (typeof schema.schema === 'object' && schema.schema !== null && schema.type === undefined) return readSchema(schema.schema, field);
	if (schema.type !== 'object') {
		throw new InputError(`"${field}" must describe an object: its top level needs "type": "object" (it has ${JSON.stringify(schema.type ?? null)})`);
	}
	if (schema.properties !== undefined && (typeof schema.properties !== 'object' || schema.properties === null || Array.isArray(schema.properties))) {
		throw new InputError(`"${field}" has "properties" that is not an object of property schemas`);
	}
	if (schema.required !== undefined && !(Array.isArray(schema.required) && schema.required.every((name) => typeof name === 'string'))) {
		throw new InputError(`"${field}" has "required" that is not a list of property names`);
	}
	return schema;
}

/** `ResponseFormat` with `json_schema`, the only form Mistral takes for annotations. */
export function annotationFormat(name: string, schema: JsonObject): JsonObject {
	const cleanName = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || 'annotation';
	return { type: 'json_schema', json_schema: { name: cleanName, schema, strict: true } };
}

/** An annotation as Mistral answers it (JSON text) read into fields; a text that is not JSON is kept as text. */
export function parseAnnotation(raw: unknown): unknown {
	if (raw === undefined || raw === null) return undefined;
	if (typeof raw !== 'string') return raw;
	const parsed = tryJson(raw);
	if (!parsed.ok) throw new InputError('Mistral answered an annotation that is not valid JSON');
	return parsed.value;
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
	try {
		return { ok: true, value: JSON.parse(text) as unknown };
	} catch (error) {
		return { ok: false, message: error instanceof Error ? error.message : String(error) };
	}
}
