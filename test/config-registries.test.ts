/**
 * The config's enums come from the registries: every fusion of FUSIONS and every architecture of BUILDERS is a
 * valid config value (loaded, in the JSON Schema, built), and nothing else is. Iterates over the registries, so a
 * new variant is covered without editing this file.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { configSchemaFiles } from '../src/config/json-schema';
import { loadExperiment } from '../src/config/load';
import { ARCHITECTURE_NAMES, FUSION_VARIANTS, MODEL_CONFIG_SCHEMA } from '../src/model/config';
import { FUSIONS } from '../src/model/fusion';
import { BUILDERS } from '../src/model/build';
import { buildModel, countParams } from '../src/model';

const emptyExperiment = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-registry-'));
  fs.writeFileSync(path.join(d, 'e.json'), '{}');
  return path.join(d, 'e.json');
};

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  enum?: unknown[];
}
const modelSchema = (): Record<string, JsonSchemaNode> =>
  (JSON.parse(configSchemaFiles()['experiment.schema.json']) as JsonSchemaNode).properties!.model.properties!;

describe('config: enums derived from the registries', () => {
  it('model.fusion accepts exactly the registered fusions, in the loader and in the JSON Schema', () => {
    const names = Object.keys(FUSIONS);
    assert.ok(names.length >= 3);
    assert.deepEqual([...FUSION_VARIANTS].sort(), [...names].sort());
    assert.deepEqual([...(modelSchema().fusion.enum as string[])].sort(), [...names].sort());
    const file = emptyExperiment();
    for (const n of names) assert.equal(loadExperiment(file, [`model.fusion=${n}`]).model.fusion, n);
    const err = (() => {
      try {
        loadExperiment(file, ['model.fusion=attention']);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    assert.equal(
      err,
      `${file} (with --set model.fusion=attention): key 'model.fusion': expected one of ${names.map((n) => JSON.stringify(n)).join(', ')}, found the string "attention"`,
    );
  });

  it('model.architecture accepts exactly the registered builders, in the loader and in the JSON Schema', () => {
    const names = Object.keys(BUILDERS);
    assert.ok(names.length >= 6);
    assert.deepEqual([...ARCHITECTURE_NAMES].sort(), [...names].sort());
    assert.deepEqual([...(modelSchema().architecture.enum as string[])].sort(), [...names].sort());
    const file = emptyExperiment();
    for (const n of names) assert.equal(loadExperiment(file, [`model.architecture=${n}`]).model.architecture, n);
    assert.throws(() => loadExperiment(file, ['model.architecture=unet']), /key 'model\.architecture': expected one of "jasrnet", .* found the string "unet"/);
  });

  it('every registered fusion and architecture builds, with the analytic parameter counts of the built variables', () => {
    const tiny = { features: 4, trunkBlocks: 1, landmarks: 5, stages: 1 };
    for (const fusion of Object.keys(FUSIONS) as (keyof typeof FUSIONS)[]) {
      const model = buildModel(MODEL_CONFIG_SCHEMA.parse({ ...tiny, fusion }));
      try {
        const fusionParams = model
          .parameterTable()
          .filter((r) => r.module.startsWith('fusion'))
          .reduce((s, r) => s + r.params, 0);
        assert.equal(fusionParams, FUSIONS[fusion].params(4), fusion);
      } finally {
        model.dispose();
      }
    }
    for (const architecture of Object.keys(BUILDERS) as (keyof typeof BUILDERS)[]) {
      const config = MODEL_CONFIG_SCHEMA.parse({ ...tiny, architecture });
      const model = buildModel(config);
      try {
        const built = model.trainableVariables().reduce((s, v) => s + v.size, 0);
        assert.equal(built, countParams(config).trainableParams, architecture);
      } finally {
        model.dispose();
      }
    }
  });
});
