// Writes schema/bluegreen.schema.json from the zod schema (a unit test keeps it in sync).
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/config/json-schema.js';

writeFileSync('schema/bluegreen.schema.json', `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log('wrote schema/bluegreen.schema.json');
