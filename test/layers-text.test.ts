/** Architecture text: parseLayers and formatLayers agree, aliases and spellings included. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CNN_LAYERS, formatLayers, parseLayers } from '../src/engine/index.js';
import { describeArchitecture } from '../src/engine/layers/layers-text.js';

test('format(parse(text)) is the canonical text, and parsing it again builds the same layers', () => {
  const cases: [string, string][] = [
    [CNN_LAYERS, CNN_LAYERS],
    ['conv:8:3:same,relu,pool:2,conv:4:5,flatten,dropout:0.5,dense:10', 'conv:8:3:same,relu,pool:2,conv:4:5,flatten,dropout:0.5,dense:10'],
    // aliases and spellings: maxpool for pool, an explicit :valid, upper case, spaces
    ['Conv:6:5:VALID, MaxPool:2 ,RELU,dense:32,relu,dense:10', 'conv:6:5,pool:2,relu,dense:32,relu,dense:10'],
    ['conv:2:3:Same,dense:10', 'conv:2:3:same,dense:10'],
  ];
  for (const [text, canonical] of cases) {
    const specs = parseLayers(text);
    assert.is(formatLayers(specs), canonical, text);
    assert.equal(parseLayers(formatLayers(specs)), specs, `${text}: the round trip builds the same layers`);
  }
});

test('describeArchitecture names models for people', () => {
  assert.is(describeArchitecture(parseLayers('dense:10')), 'softmax regression 784→10');
  assert.is(describeArchitecture(parseLayers('dense:256,relu,dense:10')), 'MLP 784-256-10');
  assert.is(describeArchitecture(parseLayers('conv:4:5,flatten,dense:10')), 'CNN conv:4:5,flatten,dense:10');
  assert.is(describeArchitecture(parseLayers('pool:2,dense:10')), 'network pool:2,dense:10');
});

test.run();
