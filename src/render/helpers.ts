import Handlebars from 'handlebars';

/**
 * The only way a value gets into a template: every helper emits a JSON scalar or JSON flow collection,
 * which YAML reads back as exactly that value, whatever characters it holds (`: `, `#`, newlines...).
 */
export const VALUE_HELPERS = ['q', 'int', 'json'] as const;

export function createTemplateEngine(): typeof Handlebars {
  const engine = Handlebars.create();
  engine.registerHelper('q', (value: unknown) => {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new Error(`template helper q: expected a string, got ${value === null ? 'null' : typeof value}`);
    }
    return new engine.SafeString(JSON.stringify(String(value)));
  });
  engine.registerHelper('int', (value: unknown) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`template helper int: expected an integer, got ${JSON.stringify(value)}`);
    return new engine.SafeString(String(value));
  });
  engine.registerHelper('json', (value: unknown) => {
    if (value === undefined) throw new Error('template helper json: got nothing');
    return new engine.SafeString(JSON.stringify(value));
  });
  return engine;
}

/**
 * Refuses a template that pastes a value without a helper (`{{image}}`, `{{{image}}}`): the names of
 * every mustache that is not a block, a partial or a helper call.
 */
export function rawMustaches(source: string, helpers: readonly string[] = VALUE_HELPERS): string[] {
  const raw: string[] = [];
  const visit = (node: hbs.AST.Node): void => {
    if (node.type === 'MustacheStatement') {
      const mustache = node as hbs.AST.MustacheStatement;
      const name = (mustache.path as hbs.AST.PathExpression).original;
      const isHelperCall = helpers.includes(name) && mustache.params.length === 1;
      if (!isHelperCall) raw.push(name);
      return;
    }
    if (node.type === 'BlockStatement') {
      const block = node as hbs.AST.BlockStatement;
      block.program?.body.forEach(visit);
      block.inverse?.body.forEach(visit);
    }
    if (node.type === 'Program') (node as hbs.AST.Program).body.forEach(visit);
  };
  visit(Handlebars.parse(source));
  return raw;
}
