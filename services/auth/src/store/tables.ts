/** The Auth database, table by table (Kysely types); queries live in the store modules beside this file. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- tables arrive with the domain issue
export interface AuthTables {}
