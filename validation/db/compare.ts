import { compareContent, type ContentComparison, type ContentOptions } from './content-compare.ts';
import { compareSchemas, type SchemaComparison, type SchemaCompareOptions } from './schema-compare.ts';

export type CompareOptions = SchemaCompareOptions & ContentOptions;

export interface DatabaseComparison {
  schema: SchemaComparison;
  content: ContentComparison;
}

/**
 * Two databases compared: the schema catalogue, then every row. The library entry point
 * for anything that checks one database against another (a cutover, a restore drill);
 * the results are data for the caller to judge, with its own tolerance.
 */
export async function compareDatabases(oldUrl: string, newUrl: string, options: CompareOptions = {}): Promise<DatabaseComparison> {
  const schema = await compareSchemas(oldUrl, newUrl, options);
  const content = await compareContent(oldUrl, newUrl, { ...options, schemas: options.schemas ?? schema.schemas });
  return { schema, content };
}
